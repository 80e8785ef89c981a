-- idstitch plan: project scopes, warehouse bigquery, components by contraction
-- The runner also records each run in the runs table; that bookkeeping is not part of this script, and run_id is 0 in what it writes.

-- ===== stage setup: schemas and the run history table
CREATE SCHEMA IF NOT EXISTS `identity`;
CREATE SCHEMA IF NOT EXISTS `identity_work`;
-- every table and view idstitch made here, by project: a run replaces nothing else
CREATE TABLE IF NOT EXISTS `identity`.`idstitch_objects` (
  project STRING,
  schema_name STRING,
  object_name STRING
);
CREATE TABLE IF NOT EXISTS `identity`.`runs` (
  run_id INT64,
  project STRING,
  started_at TIMESTAMP,
  finished_at TIMESTAMP,
  status STRING,
  mode STRING,
  algorithm STRING,
  rows_read INT64,
  nodes INT64,
  edges INT64,
  components INT64,
  largest_component INT64,
  rounds INT64,
  stage_seconds STRING,
  error STRING,
  quarantined STRING
);
ALTER TABLE `identity`.`runs` ADD COLUMN IF NOT EXISTS `quarantined` STRING;
ALTER TABLE `identity`.`runs` ADD COLUMN IF NOT EXISTS `rows_by_source` STRING;
ALTER TABLE `identity`.`runs` ADD COLUMN IF NOT EXISTS `watermarks` STRING;
ALTER TABLE `identity`.`runs` ADD COLUMN IF NOT EXISTS `components_changed` INT64;
ALTER TABLE `identity`.`runs` ADD COLUMN IF NOT EXISTS `future_rows` INT64;
ALTER TABLE `identity`.`runs` ADD COLUMN IF NOT EXISTS `controls` STRING;
-- the published members, read for when each entered
CREATE TABLE IF NOT EXISTS `identity`.`audience_members` (
  audience STRING,
  universal_id STRING,
  entered_at TIMESTAMP
);
-- every entry into and exit from an audience, across runs
CREATE TABLE IF NOT EXISTS `identity`.`audience_history` (
  audience STRING,
  universal_id STRING,
  entered_at TIMESTAMP,
  exited_at TIMESTAMP,
  run_id INT64
);
-- an empty mapping before the first run, so that every run can compare with the last
CREATE TABLE IF NOT EXISTS `identity`.`id_graph` (
  universal_id STRING,
  id_type STRING,
  id_value STRING,
  first_seen_at TIMESTAMP,
  last_seen_at TIMESTAMP,
  row_count INT64,
  node_id INT64,
  scope STRING,
  pool STRING
);
-- every change of universal ids, across runs
CREATE TABLE IF NOT EXISTS `identity`.`id_changes` (
  run_id INT64,
  changed_at TIMESTAMP,
  kind STRING,
  old_universal_id STRING,
  new_universal_id STRING,
  identifiers INT64,
  pool STRING
);
-- overrides people write between runs
CREATE TABLE IF NOT EXISTS `identity`.`overrides` (
  override_id STRING,
  kind STRING,
  id_type_a STRING,
  id_value_a STRING,
  id_type_b STRING,
  id_value_b STRING,
  created_by STRING,
  reason STRING,
  created_at TIMESTAMP,
  status STRING,
  status_detail STRING,
  status_run_id INT64
);
-- requests to forget identifiers, carried out by the next run
CREATE TABLE IF NOT EXISTS `identity`.`forget_requests` (
  request_id STRING,
  action STRING,
  id_type STRING,
  id_value STRING,
  requested_by STRING,
  requested_at TIMESTAMP
);
-- what was forgotten, as salted hashes
CREATE TABLE IF NOT EXISTS `identity`.`forget_audit` (
  value_hash STRING,
  requested_at TIMESTAMP,
  forgotten_at TIMESTAMP,
  run_id INT64
);
ALTER TABLE `identity`.`id_graph` ADD COLUMN IF NOT EXISTS `scope` STRING;
ALTER TABLE `identity`.`id_graph` ADD COLUMN IF NOT EXISTS `pool` STRING;
ALTER TABLE `identity`.`id_changes` ADD COLUMN IF NOT EXISTS `pool` STRING;
CREATE SCHEMA IF NOT EXISTS `identity_state`;
-- what the stored state was built from
CREATE TABLE IF NOT EXISTS `identity_state`.`meta` (
  section STRING,
  fingerprint STRING
);
-- the overrides the last run applied
CREATE TABLE IF NOT EXISTS `identity_state`.`overrides` (
  kind STRING,
  na INT64,
  nb INT64
);
-- the publish of a full run that has not finished, completed by the next run
CREATE TABLE IF NOT EXISTS `identity_state`.`publish_journal` (
  run_id INT64,
  seq INT64,
  phase STRING,
  statement STRING
);

-- ===== stage extract: per source: the rows from the watermark less the lookback, and which of them are new or changed
-- source events (events): the rows read again
CREATE OR REPLACE TABLE `identity_work`.`win_events`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT e.*, FARM_FINGERPRINT(ARRAY_TO_STRING([CAST(COALESCE(CAST(ts AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(sc AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(v1 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(q1 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(v2 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(q2 AS STRING), '∅') AS STRING)], '\x1f')) AS row_hash
FROM (
SELECT
  ts,
  sc,
  pl,
  v1,
  q1,
  CASE WHEN v1 IS NULL OR q1 IS NOT NULL THEN NULL ELSE FARM_FINGERPRINT(ARRAY_TO_STRING([CAST('user_id' AS STRING), CAST(CONCAT(pl, '|', v1) AS STRING)], '\x1f')) END AS n1,
  v2,
  q2,
  CASE WHEN v2 IS NULL OR q2 IS NOT NULL THEN NULL ELSE FARM_FINGERPRINT(ARRAY_TO_STRING([CAST('device_id' AS STRING), CAST(CONCAT(sc, '|', v2) AS STRING)], '\x1f')) END AS n2
FROM (
  SELECT
    ts,
    sc,
    CASE sc WHEN 'app1' THEN 'games' WHEN 'app2' THEN 'games' WHEN 'web' THEN 'shop' END AS pl,
    v1,
    CAST(NULL AS STRING) AS q1,
    v2,
    CAST(NULL AS STRING) AS q2
  FROM (
    SELECT
      ts,
      sc,
      NULLIF(r1, '') AS v1,
      NULLIF(r2, '') AS v2
    FROM (
      SELECT
        CAST(`ts` AS TIMESTAMP) AS ts,
        CASE CAST(`app_id` AS STRING) WHEN 'app1' THEN 'app1' WHEN 'app2' THEN 'app2' WHEN 'web' THEN 'web' ELSE 'app1' END AS sc,
        NULLIF(CAST(`user_id` AS STRING), '') AS r1,
        NULLIF(CAST(`device_id` AS STRING), '') AS r2
      FROM `events`
      WHERE (CAST(`ts` AS TIMESTAMP) IS NULL OR CAST(`ts` AS TIMESTAMP) >= CAST('2026-10-29 00:00:00' AS TIMESTAMP))
    ) r
  ) v
) s
WHERE sc IS NOT NULL
) e;
-- rows whose count differs from the stored ones
CREATE OR REPLACE TABLE `identity_work`.`changed_events`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT COALESCE(n.row_hash, o.row_hash) AS row_hash, CASE WHEN o.c IS NULL THEN 0 ELSE 1 END AS stored
FROM (SELECT row_hash, COUNT(*) AS c FROM `identity_work`.`win_events` GROUP BY row_hash) n
FULL OUTER JOIN (
  SELECT row_hash, COUNT(*) AS c FROM `identity_state`.`rows_events` s WHERE (ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) GROUP BY row_hash
) o ON n.row_hash = o.row_hash
WHERE n.c IS NULL OR o.c IS NULL OR n.c <> o.c;
CREATE OR REPLACE TABLE `identity_work`.`ins_events`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT * FROM `identity_work`.`win_events` WHERE row_hash IN (SELECT row_hash FROM `identity_work`.`changed_events`);
-- the stored rows that this run replaces
CREATE OR REPLACE TABLE `identity_work`.`gone_events`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT row_hash FROM `identity_work`.`changed_events` WHERE stored = 1;
-- their identifiers
CREATE OR REPLACE TABLE `identity_work`.`del_events`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT sc, pl, n1, v1, n2, v2, q1, q2 FROM `identity_state`.`rows_events` WHERE (ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) AND row_hash IN (SELECT row_hash FROM `identity_work`.`gone_events`);
-- source crm (crm): the rows read again
CREATE OR REPLACE TABLE `identity_work`.`win_crm`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT e.*, FARM_FINGERPRINT(ARRAY_TO_STRING([CAST(COALESCE(CAST(ts AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(sc AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(v1 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(q1 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(v2 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(q2 AS STRING), '∅') AS STRING)], '\x1f')) AS row_hash
FROM (
SELECT
  ts,
  sc,
  pl,
  v1,
  q1,
  CASE WHEN v1 IS NULL OR q1 IS NOT NULL THEN NULL ELSE FARM_FINGERPRINT(ARRAY_TO_STRING([CAST('user_id' AS STRING), CAST(CONCAT(pl, '|', v1) AS STRING)], '\x1f')) END AS n1,
  v2,
  q2,
  CASE WHEN v2 IS NULL OR q2 IS NOT NULL THEN NULL ELSE FARM_FINGERPRINT(ARRAY_TO_STRING([CAST('email' AS STRING), CAST(CONCAT(pl, '|', v2) AS STRING)], '\x1f')) END AS n2
FROM (
  SELECT
    ts,
    sc,
    CASE sc WHEN 'app1' THEN 'games' WHEN 'app2' THEN 'games' WHEN 'web' THEN 'shop' END AS pl,
    v1,
    CAST(NULL AS STRING) AS q1,
    v2,
    CAST(NULL AS STRING) AS q2
  FROM (
    SELECT
      ts,
      sc,
      NULLIF(r1, '') AS v1,
      NULLIF(r2, '') AS v2
    FROM (
      SELECT
        CAST(`updated_at` AS TIMESTAMP) AS ts,
        CAST('web' AS STRING) AS sc,
        NULLIF(CAST(`customer_id` AS STRING), '') AS r1,
        NULLIF(CAST(`email` AS STRING), '') AS r2
      FROM `crm`
      WHERE (CAST(`updated_at` AS TIMESTAMP) IS NULL OR CAST(`updated_at` AS TIMESTAMP) >= CAST('2026-10-29 00:00:00' AS TIMESTAMP))
    ) r
  ) v
) s
WHERE sc IS NOT NULL
) e;
-- rows whose count differs from the stored ones
CREATE OR REPLACE TABLE `identity_work`.`changed_crm`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT COALESCE(n.row_hash, o.row_hash) AS row_hash, CASE WHEN o.c IS NULL THEN 0 ELSE 1 END AS stored
FROM (SELECT row_hash, COUNT(*) AS c FROM `identity_work`.`win_crm` GROUP BY row_hash) n
FULL OUTER JOIN (
  SELECT row_hash, COUNT(*) AS c FROM `identity_state`.`rows_crm` s WHERE (ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) GROUP BY row_hash
) o ON n.row_hash = o.row_hash
WHERE n.c IS NULL OR o.c IS NULL OR n.c <> o.c;
CREATE OR REPLACE TABLE `identity_work`.`ins_crm`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT * FROM `identity_work`.`win_crm` WHERE row_hash IN (SELECT row_hash FROM `identity_work`.`changed_crm`);
-- the stored rows that this run replaces
CREATE OR REPLACE TABLE `identity_work`.`gone_crm`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT row_hash FROM `identity_work`.`changed_crm` WHERE stored = 1;
-- their identifiers
CREATE OR REPLACE TABLE `identity_work`.`del_crm`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT sc, pl, n1, v1, n2, v2, q1, q2 FROM `identity_state`.`rows_crm` WHERE (ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) AND row_hash IN (SELECT row_hash FROM `identity_work`.`gone_crm`);

-- ===== stage region: the identifiers the changed rows touch, the hub decisions they change, and the regions to recompute
-- identifiers on rows that are new, changed or gone
CREATE OR REPLACE TABLE `identity_work`.`touched`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT DISTINCT node_id, id_type, id_value
FROM (
  SELECT n1 AS node_id, 'user_id' AS id_type, CONCAT(pl, '|', v1) AS id_value
  FROM `identity_work`.`ins_events` WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 AS node_id, 'device_id' AS id_type, CONCAT(sc, '|', v2) AS id_value
  FROM `identity_work`.`ins_events` WHERE n2 IS NOT NULL
  UNION ALL SELECT n1 AS node_id, 'user_id' AS id_type, CONCAT(pl, '|', v1) AS id_value
  FROM `identity_work`.`ins_crm` WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 AS node_id, 'email' AS id_type, CONCAT(pl, '|', v2) AS id_value
  FROM `identity_work`.`ins_crm` WHERE n2 IS NOT NULL
  UNION ALL SELECT n1 AS node_id, 'user_id' AS id_type, CONCAT(pl, '|', v1) AS id_value
  FROM `identity_work`.`del_events` WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 AS node_id, 'device_id' AS id_type, CONCAT(sc, '|', v2) AS id_value
  FROM `identity_work`.`del_events` WHERE n2 IS NOT NULL
  UNION ALL SELECT n1 AS node_id, 'user_id' AS id_type, CONCAT(pl, '|', v1) AS id_value
  FROM `identity_work`.`del_crm` WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 AS node_id, 'email' AS id_type, CONCAT(pl, '|', v2) AS id_value
  FROM `identity_work`.`del_crm` WHERE n2 IS NOT NULL
) t;
-- invalid and blocked values, counted over all rows
CREATE OR REPLACE TABLE `identity_work`.`qvalues_new`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT CAST(NULL AS STRING) AS id_type, CAST(NULL AS STRING) AS id_value, CAST(NULL AS STRING) AS reason, CAST(NULL AS INT64) AS evidence LIMIT 0;
-- the identifiers of the rows of events that hold a touched identifier
CREATE OR REPLACE TABLE `identity_work`.`near_events`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
-- The stored rows that hold one of the identifiers, less those this run replaces, and the new
-- rows that hold one: filtering by identifier first keeps the costlier test to few rows.
SELECT n1, n2 FROM (
  SELECT * FROM `identity_state`.`rows_events` s WHERE s.n1 IN (SELECT node_id FROM `identity_work`.`touched`) OR s.n2 IN (SELECT node_id FROM `identity_work`.`touched`)
) s
WHERE NOT ((ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) AND s.row_hash IN (SELECT row_hash FROM `identity_work`.`gone_events`))
UNION ALL
SELECT n1, n2 FROM `identity_work`.`ins_events` s WHERE s.n1 IN (SELECT node_id FROM `identity_work`.`touched`) OR s.n2 IN (SELECT node_id FROM `identity_work`.`touched`);
-- hubs: the stored ones, with the touched identifiers decided again over all their rows
CREATE OR REPLACE TABLE `identity_work`.`hubs_named`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT node_id, degree, id_type, id_value FROM `identity_state`.`hubs`
WHERE node_id NOT IN (SELECT node_id FROM `identity_work`.`touched`)
UNION ALL
SELECT h.node_id, h.degree, t.id_type, t.id_value
FROM (
SELECT node_id, degree
FROM (
  SELECT node AS node_id, max_degree, COUNT(DISTINCT other) AS degree
  FROM (
    SELECT n2 AS node, n1 AS other, 50 AS max_degree
    FROM `identity_work`.`near_events` WHERE n2 IS NOT NULL AND n1 IS NOT NULL AND n2 <> n1
  ) p
  GROUP BY node, max_degree
) d
WHERE degree > max_degree
) h
JOIN `identity_work`.`touched` t ON h.node_id = t.node_id;
CREATE OR REPLACE TABLE `identity_work`.`hubs`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT node_id, degree FROM `identity_work`.`hubs_named`;
-- identifiers that became hubs or stopped being ones
CREATE OR REPLACE TABLE `identity_work`.`flips`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT t.node_id
FROM `identity_work`.`touched` t
WHERE (CASE WHEN t.node_id IN (SELECT node_id FROM `identity_state`.`hubs`) THEN 1 ELSE 0 END)
   <> (CASE WHEN t.node_id IN (SELECT node_id FROM `identity_work`.`hubs_named`) THEN 1 ELSE 0 END);
CREATE OR REPLACE TABLE `identity_work`.`fliprows_events`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT n1, n2 FROM `identity_work`.`near_events` s WHERE s.n1 IN (SELECT node_id FROM `identity_work`.`flips`) OR s.n2 IN (SELECT node_id FROM `identity_work`.`flips`);
-- touched identifiers, the partners of those whose hub decision flipped, and the regions a changed limit can split
CREATE OR REPLACE TABLE `identity_work`.`seeds`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT DISTINCT node_id FROM (
  SELECT node_id FROM `identity_work`.`touched`
  UNION ALL SELECT n1 FROM `identity_work`.`fliprows_events` WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 FROM `identity_work`.`fliprows_events` WHERE n2 IS NOT NULL
) s;
-- every identifier of the regions the seeds are in
CREATE OR REPLACE TABLE `identity_work`.`rnodes`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT DISTINCT node_id FROM (
  SELECT node_id FROM `identity_state`.`regions`
  WHERE region IN (
    SELECT r.region FROM `identity_state`.`regions` r JOIN `identity_work`.`seeds` s ON r.node_id = s.node_id
  )
  UNION ALL
  SELECT node_id FROM `identity_work`.`seeds`
) n
-- A hub's rows span many regions: it is in none, and its rows come in only through the others.
WHERE node_id NOT IN (SELECT node_id FROM `identity_work`.`hubs`);
-- the value of every identifier on the rows of those regions
CREATE OR REPLACE TABLE `identity_work`.`names`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT DISTINCT node_id, id_value FROM (
  SELECT node_id, CONCAT(COALESCE(scope, pool), '|', id_value) AS id_value FROM `identity`.`id_graph`
  WHERE node_id IN (SELECT node_id FROM `identity_work`.`rnodes`)
  UNION ALL
  SELECT FARM_FINGERPRINT(ARRAY_TO_STRING([CAST(id_type AS STRING), CAST(CONCAT(COALESCE(scope, pool), '|', id_value) AS STRING)], '\x1f')) AS node_id, CONCAT(COALESCE(scope, pool), '|', id_value) AS id_value FROM `identity`.`id_quarantine`
  WHERE reason IN ('limit_conflict', 'anonymous_isolated')
  UNION ALL
  SELECT node_id, id_value FROM `identity_work`.`touched`
  UNION ALL
  SELECT node_id, id_value FROM `identity_work`.`hubs_named`
) n;
-- rows of events in those regions
CREATE OR REPLACE TABLE `identity_work`.`src_events`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
-- The stored rows that hold one of the identifiers, less those this run replaces, and the new
-- rows that hold one: filtering by identifier first keeps the costlier test to few rows.
SELECT ts, row_hash, n1, n2 FROM (
  SELECT * FROM `identity_state`.`rows_events` s WHERE s.n1 IN (SELECT node_id FROM `identity_work`.`rnodes`) OR s.n2 IN (SELECT node_id FROM `identity_work`.`rnodes`)
) s
WHERE NOT ((ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) AND s.row_hash IN (SELECT row_hash FROM `identity_work`.`gone_events`))
UNION ALL
SELECT ts, row_hash, n1, n2 FROM `identity_work`.`ins_events` s WHERE s.n1 IN (SELECT node_id FROM `identity_work`.`rnodes`) OR s.n2 IN (SELECT node_id FROM `identity_work`.`rnodes`);
-- rows of crm in those regions
CREATE OR REPLACE TABLE `identity_work`.`src_crm`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
-- The stored rows that hold one of the identifiers, less those this run replaces, and the new
-- rows that hold one: filtering by identifier first keeps the costlier test to few rows.
SELECT ts, row_hash, n1, n2 FROM (
  SELECT * FROM `identity_state`.`rows_crm` s WHERE s.n1 IN (SELECT node_id FROM `identity_work`.`rnodes`) OR s.n2 IN (SELECT node_id FROM `identity_work`.`rnodes`)
) s
WHERE NOT ((ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) AND s.row_hash IN (SELECT row_hash FROM `identity_work`.`gone_crm`))
UNION ALL
SELECT ts, row_hash, n1, n2 FROM `identity_work`.`ins_crm` s WHERE s.n1 IN (SELECT node_id FROM `identity_work`.`rnodes`) OR s.n2 IN (SELECT node_id FROM `identity_work`.`rnodes`);

-- ===== stage nodes: distinct (id_type, value) with a 64-bit node id
-- values from the published identifiers, the changed rows and the hubs
CREATE OR REPLACE TABLE `identity_work`.`nodes`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT i.node_id, i.id_type, nm.id_value, i.type_rank, i.first_seen_at, i.last_seen_at, i.row_count
FROM (
  SELECT node_id, id_type, type_rank, MIN(ts) AS first_seen_at, MAX(ts) AS last_seen_at, COUNT(*) AS row_count
  FROM (
    SELECT n1 AS node_id, 'user_id' AS id_type, 0 AS type_rank, ts
    FROM `identity_work`.`src_events` WHERE n1 IS NOT NULL
    UNION ALL SELECT n2 AS node_id, 'device_id' AS id_type, 2 AS type_rank, ts
    FROM `identity_work`.`src_events` WHERE n2 IS NOT NULL
    UNION ALL SELECT n1 AS node_id, 'user_id' AS id_type, 0 AS type_rank, ts
    FROM `identity_work`.`src_crm` WHERE n1 IS NOT NULL
    UNION ALL SELECT n2 AS node_id, 'email' AS id_type, 1 AS type_rank, ts
    FROM `identity_work`.`src_crm` WHERE n2 IS NOT NULL
  ) i
  GROUP BY node_id, id_type, type_rank
) i
LEFT JOIN `identity_work`.`names` nm ON i.node_id = nm.node_id;
-- two distinct identifiers must never share a node id
-- check: this count must be 0, else: two different identifiers hashed to the same 64-bit node id; the run stopped so that they are not merged (report this as a bug with the warehouse type)
SELECT COUNT(*) FROM (
  SELECT node_id FROM `identity_work`.`nodes` GROUP BY node_id HAVING COUNT(*) > 1
) c;
-- every identifier of the recomputed regions has its value
-- check: this count must be 0, else: an identifier of the recomputed regions has no stored value, so the stored state is not what this version expects; run `idstitch run --full` (and report this as a bug)
SELECT COUNT(*) FROM `identity_work`.`nodes` WHERE id_value IS NULL;

-- ===== stage guards: values that are invalid or blocked, and hubs, are kept out of the graph
-- source events without its hubs
CREATE OR REPLACE TABLE `identity_work`.`kept_events`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT ts,
  CASE WHEN n1 IN (SELECT node_id FROM `identity_work`.`hubs`) THEN NULL ELSE n1 END AS n1,
  CASE WHEN n2 IN (SELECT node_id FROM `identity_work`.`hubs`) THEN NULL ELSE n2 END AS n2
FROM `identity_work`.`src_events`;
-- source crm without its hubs
CREATE OR REPLACE TABLE `identity_work`.`kept_crm`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT ts,
  CASE WHEN n1 IN (SELECT node_id FROM `identity_work`.`hubs`) THEN NULL ELSE n1 END AS n1,
  CASE WHEN n2 IN (SELECT node_id FROM `identity_work`.`hubs`) THEN NULL ELSE n2 END AS n2
FROM `identity_work`.`src_crm`;

-- ===== stage edges: identifiers on one row are linked as a star from the row's first identifier
CREATE OR REPLACE TABLE `identity_work`.`edges`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT a, b, row_count, first_seen_at, last_seen_at, SUBSTR(CONCAT(CONCAT('', CASE WHEN s0 = 1 THEN ',crm' ELSE '' END), CASE WHEN s1 = 1 THEN ',events' ELSE '' END), 2) AS sources
FROM (
  SELECT LEAST(a, b) AS a, GREATEST(a, b) AS b, CAST(COUNT(*) AS INT64) AS row_count,
    MIN(ts) AS first_seen_at, MAX(ts) AS last_seen_at, MAX(s0) AS s0, MAX(s1) AS s1
  FROM (
    SELECT COALESCE(n1, n2) AS a, n2 AS b, ts, 0 AS s0, 1 AS s1
    FROM `identity_work`.`kept_events` WHERE n2 IS NOT NULL AND n2 <> COALESCE(n1, n2)
    UNION ALL SELECT COALESCE(n1, n2) AS a, n2 AS b, ts, 1 AS s0, 0 AS s1
    FROM `identity_work`.`kept_crm` WHERE n2 IS NOT NULL AND n2 <> COALESCE(n1, n2)
  ) e
  GROUP BY LEAST(a, b), GREATEST(a, b)
) g;

-- ===== stage components: connected components by randomised contraction
-- round 0: the graph's edges
CREATE OR REPLACE TABLE `identity_work`.`cc_edges_0`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT e.a, e.b FROM `identity_work`.`edges` e;

-- rounds 1 to 2; the runner stops when the count below reaches 0 (edges left)
-- round 1: every node picks the neighbour (or itself) with the smallest hash
CREATE OR REPLACE TABLE `identity_work`.`cc_map_1`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT v, ANY_VALUE(u HAVING MIN FARM_FINGERPRINT(CONCAT(CAST(u AS STRING), ':1'))) AS rep
FROM (
  SELECT a AS v, b AS u FROM `identity_work`.`cc_edges_0`
  UNION ALL SELECT b AS v, a AS u FROM `identity_work`.`cc_edges_0`
  UNION ALL SELECT a AS v, a AS u FROM `identity_work`.`cc_edges_0`
  UNION ALL SELECT b AS v, b AS u FROM `identity_work`.`cc_edges_0`
) n
GROUP BY v;
-- round 1: rewrite edges onto representatives; drop self-loops
CREATE OR REPLACE TABLE `identity_work`.`cc_edges_1`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT DISTINCT LEAST(ma.rep, mb.rep) AS a, GREATEST(ma.rep, mb.rep) AS b
FROM `identity_work`.`cc_edges_0` e
JOIN `identity_work`.`cc_map_1` ma ON e.a = ma.v
JOIN `identity_work`.`cc_map_1` mb ON e.b = mb.v
WHERE ma.rep <> mb.rep;
-- round 2: every node picks the neighbour (or itself) with the smallest hash
CREATE OR REPLACE TABLE `identity_work`.`cc_map_2`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT v, ANY_VALUE(u HAVING MIN FARM_FINGERPRINT(CONCAT(CAST(u AS STRING), ':2'))) AS rep
FROM (
  SELECT a AS v, b AS u FROM `identity_work`.`cc_edges_1`
  UNION ALL SELECT b AS v, a AS u FROM `identity_work`.`cc_edges_1`
  UNION ALL SELECT a AS v, a AS u FROM `identity_work`.`cc_edges_1`
  UNION ALL SELECT b AS v, b AS u FROM `identity_work`.`cc_edges_1`
) n
GROUP BY v;
-- round 2: rewrite edges onto representatives; drop self-loops (in place of the edges of round 0)
CREATE OR REPLACE TABLE `identity_work`.`cc_edges_0`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT DISTINCT LEAST(ma.rep, mb.rep) AS a, GREATEST(ma.rep, mb.rep) AS b
FROM `identity_work`.`cc_edges_1` e
JOIN `identity_work`.`cc_map_2` ma ON e.a = ma.v
JOIN `identity_work`.`cc_map_2` mb ON e.b = mb.v
WHERE ma.rep <> mb.rep;
-- 2 rounds must have been enough
-- check: this count must be 0, else: the loop did not finish in the unrolled rounds; compile with more --rounds
SELECT COUNT(*) FROM `identity_work`.`cc_edges_0`;
-- compose the 2 round maps, last to first, and label each component with its smallest node id, whatever the random choices
CREATE OR REPLACE TABLE `identity_work`.`labels`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
WITH
r2 AS (
  SELECT v, rep FROM `identity_work`.`cc_map_2`
),
r1 AS (
  SELECT m.v, COALESCE(l.rep, m.rep) AS rep
  FROM `identity_work`.`cc_map_1` m
  LEFT JOIN r2 l ON m.rep = l.v
)
SELECT v AS node_id, MIN(v) OVER (PARTITION BY rep) AS component
FROM r1;
-- the partition that the limits and policies below refine
CREATE OR REPLACE TABLE `identity_work`.`groups_0`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT n.node_id, COALESCE(l.component, n.node_id) AS grp
FROM `identity_work`.`nodes` n
LEFT JOIN `identity_work`.`labels` l ON n.node_id = l.node_id
WHERE 1 = 1
  AND n.node_id NOT IN (SELECT node_id FROM `identity_work`.`hubs`);

-- ===== stage limit_user_id: at most 1 user_id per profile: split the profiles that hold more
-- profiles over the limit
CREATE OR REPLACE TABLE `identity_work`.`lim_violating`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT g.grp
FROM `identity_work`.`groups_0` g
JOIN `identity_work`.`nodes` n ON g.node_id = n.node_id
WHERE n.id_type = 'user_id'
GROUP BY g.grp
HAVING COUNT(*) > 1;
-- their links, both ways
CREATE OR REPLACE TABLE `identity_work`.`lim_edges`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT u, v, row_count, last_seen_at
FROM (
  SELECT e.a AS u, e.b AS v, e.row_count, e.last_seen_at, ga.grp AS gu, gb.grp AS gv
  FROM `identity_work`.`edges` e
  JOIN `identity_work`.`groups_0` ga ON e.a = ga.node_id
  JOIN `identity_work`.`groups_0` gb ON e.b = gb.node_id
  UNION ALL
  SELECT e.b AS u, e.a AS v, e.row_count, e.last_seen_at, gb.grp AS gu, ga.grp AS gv
  FROM `identity_work`.`edges` e
  JOIN `identity_work`.`groups_0` ga ON e.a = ga.node_id
  JOIN `identity_work`.`groups_0` gb ON e.b = gb.node_id
) d
WHERE gu = gv AND gu IN (SELECT grp FROM `identity_work`.`lim_violating`);
-- their identifiers of this type are the anchors
CREATE OR REPLACE TABLE `identity_work`.`lim_seen_0`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT g.node_id AS node, g.node_id AS anchor, 0 AS anchors
FROM `identity_work`.`groups_0` g
JOIN `identity_work`.`nodes` n ON g.node_id = n.node_id
WHERE n.id_type = 'user_id' AND g.grp IN (SELECT grp FROM `identity_work`.`lim_violating`);
CREATE OR REPLACE TABLE `identity_work`.`lim_front_0`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT node, anchor, anchors FROM `identity_work`.`lim_seen_0`;

-- rounds 1 to 2; the runner stops when the count below reaches 0 (identifiers reached)
-- ring 1: each identifier next to the last ring joins its best anchor (more rows, then more recent, then anchor value)
CREATE OR REPLACE TABLE `identity_work`.`lim_front_1`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT node,
  anchor AS anchor,
  anchors
FROM (
  SELECT node, anchor,
    COUNT(*) OVER (PARTITION BY node) AS anchors,
    ROW_NUMBER() OVER (PARTITION BY node ORDER BY row_count DESC, last_seen_at DESC NULLS LAST, anchor_value) AS pos
  FROM (
    SELECT e.v AS node, f.anchor, a.id_value AS anchor_value,
      SUM(e.row_count) AS row_count, MAX(e.last_seen_at) AS last_seen_at
    FROM `identity_work`.`lim_edges` e
    JOIN `identity_work`.`lim_front_0` f ON e.u = f.node
    JOIN `identity_work`.`nodes` a ON f.anchor = a.node_id
    WHERE e.v NOT IN (SELECT node FROM `identity_work`.`lim_seen_0`)
    GROUP BY e.v, f.anchor, a.id_value
  ) c
) r
WHERE pos = 1;
CREATE OR REPLACE TABLE `identity_work`.`lim_seen_1`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT node, anchor, anchors FROM `identity_work`.`lim_seen_0`
UNION ALL
SELECT node, anchor, anchors FROM `identity_work`.`lim_front_1`;
-- ring 2: each identifier next to the last ring joins its best anchor (more rows, then more recent, then anchor value)
CREATE OR REPLACE TABLE `identity_work`.`lim_front_0`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT node,
  anchor AS anchor,
  anchors
FROM (
  SELECT node, anchor,
    COUNT(*) OVER (PARTITION BY node) AS anchors,
    ROW_NUMBER() OVER (PARTITION BY node ORDER BY row_count DESC, last_seen_at DESC NULLS LAST, anchor_value) AS pos
  FROM (
    SELECT e.v AS node, f.anchor, a.id_value AS anchor_value,
      SUM(e.row_count) AS row_count, MAX(e.last_seen_at) AS last_seen_at
    FROM `identity_work`.`lim_edges` e
    JOIN `identity_work`.`lim_front_1` f ON e.u = f.node
    JOIN `identity_work`.`nodes` a ON f.anchor = a.node_id
    WHERE e.v NOT IN (SELECT node FROM `identity_work`.`lim_seen_1`)
    GROUP BY e.v, f.anchor, a.id_value
  ) c
) r
WHERE pos = 1;
CREATE OR REPLACE TABLE `identity_work`.`lim_seen_0`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT node, anchor, anchors FROM `identity_work`.`lim_seen_1`
UNION ALL
SELECT node, anchor, anchors FROM `identity_work`.`lim_front_0`;
-- 2 rounds must have been enough
-- check: this count must be 0, else: the loop did not finish in the unrolled rounds; compile with more --rounds
SELECT COUNT(*) FROM `identity_work`.`lim_front_0`;
-- the refined partition; identifiers no anchor reached stay together
CREATE OR REPLACE TABLE `identity_work`.`groups_1`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT node_id,
  CASE
    WHEN violating = 0 THEN grp
    WHEN anchor IS NOT NULL THEN anchor
    ELSE MIN(CASE WHEN anchor IS NULL THEN node_id END) OVER (PARTITION BY grp)
  END AS grp
FROM (
  SELECT g.node_id, g.grp, s.anchor,
    CASE WHEN g.grp IN (SELECT grp FROM `identity_work`.`lim_violating`) THEN 1 ELSE 0 END AS violating
  FROM `identity_work`.`groups_0` g
  LEFT JOIN `identity_work`.`lim_seen_0` s ON g.node_id = s.node
  WHERE s.node IS NULL OR s.anchor IS NOT NULL
) x;

-- ===== stage ids: one universal id per profile, from its anchor identifier
-- every identifier in the graph with its profile
CREATE OR REPLACE TABLE `identity_work`.`assign`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT n.node_id, n.id_type, n.id_value, n.type_rank, n.first_seen_at, n.last_seen_at, n.row_count,
  g.grp AS component
FROM `identity_work`.`nodes` n
JOIN `identity_work`.`groups_1` g ON n.node_id = g.node_id;
-- anchor: earliest first_seen, then type priority, then value
CREATE OR REPLACE TABLE `identity_work`.`anchors`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT component, id_type AS anchor_type, id_value AS anchor_value,
  TO_HEX(MD5(CONCAT('scopes', '|', id_type, '|', id_value))) AS universal_id,
  CASE WHEN id_type IN ('device_id') THEN CASE SUBSTR(id_value, 1, LENGTH(id_value) - LENGTH(REGEXP_REPLACE(id_value, '^[a-z][a-z0-9_]*[|]', '')) - 1) WHEN 'app1' THEN 'games' WHEN 'app2' THEN 'games' WHEN 'web' THEN 'shop' END ELSE SUBSTR(id_value, 1, LENGTH(id_value) - LENGTH(REGEXP_REPLACE(id_value, '^[a-z][a-z0-9_]*[|]', '')) - 1) END AS pool
FROM (
  SELECT component, id_type, id_value,
    ROW_NUMBER() OVER (PARTITION BY component ORDER BY first_seen_at ASC NULLS LAST, type_rank, id_value) AS pos
  FROM `identity_work`.`assign`
) a
WHERE pos = 1;
-- every identifier with its universal id
CREATE OR REPLACE TABLE `identity_work`.`graph`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT a.universal_id, n.id_type, REGEXP_REPLACE(n.id_value, '^[a-z][a-z0-9_]*[|]', '') AS id_value, n.first_seen_at, n.last_seen_at, n.row_count, n.node_id,
  CASE WHEN n.id_type IN ('device_id') THEN SUBSTR(n.id_value, 1, LENGTH(n.id_value) - LENGTH(REGEXP_REPLACE(n.id_value, '^[a-z][a-z0-9_]*[|]', '')) - 1) END AS scope,
  a.pool
FROM `identity_work`.`assign` n
JOIN `identity_work`.`anchors` a ON n.component = a.component;
-- every identifier's region, quarantined ones too
CREATE OR REPLACE TABLE `identity_work`.`regions_new`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT n.node_id, COALESCE(l.component, n.node_id) AS region, n.id_type
FROM `identity_work`.`nodes` n
LEFT JOIN `identity_work`.`labels` l ON n.node_id = l.node_id
WHERE n.node_id NOT IN (SELECT node_id FROM `identity_work`.`hubs`);

-- ===== stage outputs: the recomputed regions' rows of the output tables, and what changed
-- every identifier whose published rows are replaced
CREATE OR REPLACE TABLE `identity_work`.`redo`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT DISTINCT node_id, id_type, id_value FROM (SELECT node_id, id_type, id_value FROM `identity_work`.`nodes` UNION ALL SELECT node_id, id_type, id_value FROM `identity_work`.`touched`) r;
-- their published universal ids
CREATE OR REPLACE TABLE `identity_work`.`old_map`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT node_id, universal_id, pool FROM `identity`.`id_graph` WHERE node_id IN (SELECT node_id FROM `identity_work`.`redo`);
CREATE OR REPLACE TABLE `identity_work`.`redo_ids`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT DISTINCT universal_id FROM (SELECT universal_id FROM `identity_work`.`old_map` UNION ALL SELECT universal_id FROM `identity_work`.`graph`) u;
-- of those, the identifiers whose published row changes
CREATE OR REPLACE TABLE `identity_work`.`graph_write`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT r.node_id FROM `identity_work`.`redo` r
WHERE r.node_id NOT IN (
  SELECT g.node_id
  FROM `identity_work`.`graph` g
  JOIN `identity`.`id_graph` o ON o.node_id = g.node_id
  WHERE o.universal_id = g.universal_id AND o.id_type = g.id_type AND o.id_value = g.id_value AND o.row_count = g.row_count
    AND (o.first_seen_at = g.first_seen_at OR (o.first_seen_at IS NULL AND g.first_seen_at IS NULL))
    AND (o.last_seen_at = g.last_seen_at OR (o.last_seen_at IS NULL AND g.last_seen_at IS NULL))
    AND (o.scope = g.scope OR (o.scope IS NULL AND g.scope IS NULL))
    AND (o.pool = g.pool OR (o.pool IS NULL AND g.pool IS NULL))
);
-- and those whose stored region changes
CREATE OR REPLACE TABLE `identity_work`.`regions_write`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT r.node_id FROM `identity_work`.`redo` r
WHERE r.node_id NOT IN (
  SELECT n.node_id
  FROM `identity_work`.`regions_new` n
  JOIN `identity_state`.`regions` o ON o.node_id = n.node_id
  WHERE o.region = n.region AND o.id_type = n.id_type
);
-- universal ids that are new, merged, split or quarantined since the last run
CREATE OR REPLACE TABLE `identity_work`.`changes`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT CASE
    WHEN p.new_id IS NULL THEN 'quarantine'
    WHEN p.old_id IS NULL THEN 'new'
    WHEN p.old_id IN (SELECT universal_id FROM `identity_work`.`graph`) THEN 'split'
    ELSE 'merge'
  END AS kind,
  p.old_id AS old_universal_id, p.new_id AS new_universal_id, p.moved AS identifiers, p.pool
FROM (
  SELECT old_id, new_id, COUNT(*) AS moved, MAX(pool) AS pool
  FROM (
    SELECT o.universal_id AS old_id, n.universal_id AS new_id, COALESCE(n.pool, o.pool) AS pool
    FROM `identity_work`.`old_map` o
    FULL OUTER JOIN `identity_work`.`graph` n ON o.node_id = n.node_id
  ) m
  WHERE old_id IS NULL OR new_id IS NULL OR old_id <> new_id
  GROUP BY old_id, new_id
) p
-- identifiers seen for the first time that join a profile which already existed change no id
WHERE NOT (p.old_id IS NULL AND p.new_id IN (SELECT universal_id FROM `identity_work`.`old_map`));
CREATE OR REPLACE TABLE `identity_work`.`profiles_region`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
WITH ranked AS (
  SELECT component, id_type, id_value, first_seen_at, last_seen_at,
    ROW_NUMBER() OVER (PARTITION BY component, id_type ORDER BY last_seen_at DESC NULLS LAST, id_value DESC) AS pos
  FROM `identity_work`.`assign`
), per_type AS (
  SELECT component, id_type, COUNT(*) AS n, MAX(CASE WHEN pos = 1 THEN id_value END) AS latest,
    MIN(first_seen_at) AS first_seen_at, MAX(last_seen_at) AS last_seen_at
  FROM ranked
  GROUP BY component, id_type
), per_profile AS (
  SELECT component,
    MIN(first_seen_at) AS first_seen_at,
    MAX(last_seen_at) AS last_seen_at,
    CAST(SUM(n) AS INT64) AS identifiers,
    CAST(COALESCE(SUM(CASE WHEN id_type = 'user_id' THEN n END), 0) AS INT64) AS `user_id_count`,
    MAX(CASE WHEN id_type = 'user_id' THEN latest END) AS `latest_user_id`,
    CAST(COALESCE(SUM(CASE WHEN id_type = 'email' THEN n END), 0) AS INT64) AS `email_count`,
    MAX(CASE WHEN id_type = 'email' THEN latest END) AS `latest_email`,
    CAST(COALESCE(SUM(CASE WHEN id_type = 'device_id' THEN n END), 0) AS INT64) AS `device_id_count`,
    MAX(CASE WHEN id_type = 'device_id' THEN latest END) AS `latest_device_id`
  FROM per_type
  GROUP BY component
)
SELECT a.universal_id, a.pool, p.first_seen_at, p.last_seen_at, p.identifiers, p.`user_id_count`, REGEXP_REPLACE(p.`latest_user_id`, '^[a-z][a-z0-9_]*[|]', '') AS `latest_user_id`, p.`email_count`, REGEXP_REPLACE(p.`latest_email`, '^[a-z][a-z0-9_]*[|]', '') AS `latest_email`, p.`device_id_count`, REGEXP_REPLACE(p.`latest_device_id`, '^[a-z][a-z0-9_]*[|]', '') AS `latest_device_id`
FROM per_profile p
JOIN `identity_work`.`anchors` a ON p.component = a.component;
CREATE OR REPLACE TABLE `identity_work`.`edges_region`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT ga.universal_id,
  ga.id_type AS id_type_a, ga.id_value AS id_value_a,
  gb.id_type AS id_type_b, gb.id_value AS id_value_b,
  e.row_count, e.first_seen_at, e.last_seen_at, e.sources,
  ga.scope AS scope_a, gb.scope AS scope_b, ga.pool
FROM `identity_work`.`edges` e
JOIN `identity_work`.`graph` ga ON e.a = ga.node_id
JOIN `identity_work`.`graph` gb ON e.b = gb.node_id
-- one universal id per profile: its anchor's, which no other profile has
WHERE ga.universal_id = gb.universal_id;
-- what was kept out of the graph, and why
CREATE OR REPLACE TABLE `identity`.`id_quarantine__next` AS
SELECT id_type, REGEXP_REPLACE(id_value, '^[a-z][a-z0-9_]*[|]', '') AS id_value, reason, evidence, CAST(0 AS INT64) AS run_id,
  CASE WHEN id_type IN ('device_id') THEN SUBSTR(id_value, 1, LENGTH(id_value) - LENGTH(REGEXP_REPLACE(id_value, '^[a-z][a-z0-9_]*[|]', '')) - 1) END AS scope,
  CASE WHEN id_type IN ('device_id') THEN CASE SUBSTR(id_value, 1, LENGTH(id_value) - LENGTH(REGEXP_REPLACE(id_value, '^[a-z][a-z0-9_]*[|]', '')) - 1) WHEN 'app1' THEN 'games' WHEN 'app2' THEN 'games' WHEN 'web' THEN 'shop' END ELSE SUBSTR(id_value, 1, LENGTH(id_value) - LENGTH(REGEXP_REPLACE(id_value, '^[a-z][a-z0-9_]*[|]', '')) - 1) END AS pool
FROM (
  SELECT id_type, id_value, reason, evidence FROM `identity_work`.`qvalues_new`
  UNION ALL SELECT q.id_type, q.id_value, q.reason, q.evidence
FROM (
  SELECT id_type, CONCAT(COALESCE(scope, pool), '|', id_value) AS id_value, reason, evidence
  FROM `identity`.`id_quarantine`
) q
WHERE q.reason IN ('limit_conflict', 'anonymous_isolated')
  AND NOT EXISTS (SELECT 1 FROM `identity_work`.`redo` r WHERE r.id_type = q.id_type AND r.id_value = q.id_value)
  UNION ALL SELECT id_type, id_value, 'hub' AS reason, degree AS evidence FROM `identity_work`.`hubs_named`
) q;
-- audience members; those already in keep the time they entered
CREATE OR REPLACE TABLE `identity`.`audience_members__next` AS
SELECT m.audience, m.universal_id, COALESCE(prev.entered_at, CAST(CURRENT_TIMESTAMP() AS TIMESTAMP)) AS entered_at
FROM (
  SELECT CAST(NULL AS STRING) AS audience, CAST(NULL AS STRING) AS universal_id FROM `identity_work`.`profiles_region` WHERE 1 = 0
) m
LEFT JOIN `identity`.`audience_members` prev ON prev.audience = m.audience AND prev.universal_id = m.universal_id
UNION ALL
SELECT audience, universal_id, entered_at FROM `identity`.`audience_members`
WHERE universal_id NOT IN (SELECT universal_id FROM `identity_work`.`redo_ids`);
-- the published links of those profiles that change or go, and the links that are new or changed
CREATE OR REPLACE TABLE `identity_work`.`edges_diff`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT o.universal_id AS s_universal_id, o.id_type_a AS s_id_type_a, o.id_value_a AS s_id_value_a,
  o.id_type_b AS s_id_type_b, o.id_value_b AS s_id_value_b, o.scope_a AS s_scope_a, o.scope_b AS s_scope_b,
  n.*
FROM (SELECT * FROM `identity`.`id_edges` WHERE universal_id IN (SELECT universal_id FROM `identity_work`.`redo_ids`)) o
FULL OUTER JOIN `identity_work`.`edges_region` n
  ON n.universal_id = o.universal_id AND n.id_type_a = o.id_type_a AND n.id_value_a = o.id_value_a
  AND n.id_type_b = o.id_type_b AND n.id_value_b = o.id_value_b
  AND COALESCE(n.scope_a, '') = COALESCE(o.scope_a, '') AND COALESCE(n.scope_b, '') = COALESCE(o.scope_b, '')
WHERE o.universal_id IS NULL OR n.universal_id IS NULL OR NOT COALESCE(n.row_count = o.row_count AND n.sources = o.sources
  AND (COALESCE(n.first_seen_at = o.first_seen_at, FALSE) OR (n.first_seen_at IS NULL AND o.first_seen_at IS NULL))
  AND (COALESCE(n.last_seen_at = o.last_seen_at, FALSE) OR (n.last_seen_at IS NULL AND o.last_seen_at IS NULL))
  AND (COALESCE(n.pool = o.pool, FALSE) OR (n.pool IS NULL AND o.pool IS NULL)), FALSE);

-- ===== stage publish: replace the recomputed regions' rows and update the state, all together
BEGIN TRANSACTION;
DELETE FROM `identity`.`id_graph` WHERE node_id IN (SELECT node_id FROM `identity_work`.`graph_write`);
INSERT INTO `identity`.`id_graph` SELECT * FROM (SELECT universal_id, id_type, id_value, first_seen_at, last_seen_at, row_count, node_id, scope, pool
FROM `identity_work`.`graph`) q WHERE q.node_id IN (SELECT node_id FROM `identity_work`.`graph_write`);
DELETE FROM `identity`.`profiles` WHERE universal_id IN (SELECT universal_id FROM `identity_work`.`redo_ids`);
INSERT INTO `identity`.`profiles` SELECT * FROM `identity_work`.`profiles_region`;
DELETE FROM `identity`.`id_edges`
WHERE EXISTS (
  SELECT 1 FROM (
    SELECT s_universal_id, s_id_type_a, s_id_value_a, s_id_type_b, s_id_value_b, s_scope_a, s_scope_b
    FROM `identity_work`.`edges_diff` WHERE s_universal_id IS NOT NULL
  ) s
  WHERE universal_id = s.s_universal_id AND id_type_a = s.s_id_type_a AND id_value_a = s.s_id_value_a
    AND id_type_b = s.s_id_type_b AND id_value_b = s.s_id_value_b
    AND COALESCE(scope_a, '') = COALESCE(s.s_scope_a, '')
    AND COALESCE(scope_b, '') = COALESCE(s.s_scope_b, '')
);
INSERT INTO `identity`.`id_edges`
SELECT universal_id, id_type_a, id_value_a, id_type_b, id_value_b, row_count, first_seen_at, last_seen_at, sources, scope_a, scope_b, pool
FROM `identity_work`.`edges_diff`
WHERE universal_id IS NOT NULL;
UPDATE `identity`.`audience_history` AS h
SET exited_at = CAST(CURRENT_TIMESTAMP() AS TIMESTAMP)
WHERE h.exited_at IS NULL
  AND NOT EXISTS (
    SELECT 1 FROM `identity`.`audience_members__next` n
    WHERE n.audience = h.audience AND n.universal_id = h.universal_id
  );
INSERT INTO `identity`.`audience_history` (audience, universal_id, entered_at, exited_at, run_id)
SELECT n.audience, n.universal_id, n.entered_at, CAST(NULL AS TIMESTAMP), CAST(0 AS INT64)
FROM `identity`.`audience_members__next` n
WHERE NOT EXISTS (
  SELECT 1 FROM `identity`.`audience_history` h
  WHERE h.exited_at IS NULL AND h.audience = n.audience AND h.universal_id = n.universal_id
);
DELETE FROM `identity`.`id_quarantine` WHERE 1 = 1;
INSERT INTO `identity`.`id_quarantine` SELECT * FROM `identity`.`id_quarantine__next`;
DELETE FROM `identity`.`audience_members` WHERE 1 = 1;
INSERT INTO `identity`.`audience_members` SELECT * FROM `identity`.`audience_members__next`;
-- the rows of events
DELETE FROM `identity_state`.`rows_events` WHERE (ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) AND row_hash IN (SELECT row_hash FROM `identity_work`.`gone_events`);
INSERT INTO `identity_state`.`rows_events` SELECT * FROM `identity_work`.`ins_events`;
-- the rows of crm
DELETE FROM `identity_state`.`rows_crm` WHERE (ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) AND row_hash IN (SELECT row_hash FROM `identity_work`.`gone_crm`);
INSERT INTO `identity_state`.`rows_crm` SELECT * FROM `identity_work`.`ins_crm`;
DELETE FROM `identity_state`.`hubs` WHERE 1 = 1;
INSERT INTO `identity_state`.`hubs` SELECT node_id, degree, id_type, id_value FROM `identity_work`.`hubs_named`;
DELETE FROM `identity_state`.`qvalues` WHERE 1 = 1;
INSERT INTO `identity_state`.`qvalues` SELECT id_type, id_value, reason, evidence FROM `identity_work`.`qvalues_new`;
DELETE FROM `identity_state`.`regions` WHERE node_id IN (SELECT node_id FROM `identity_work`.`regions_write`);
INSERT INTO `identity_state`.`regions` SELECT * FROM (SELECT node_id, region, id_type FROM `identity_work`.`regions_new`) q WHERE q.node_id IN (SELECT node_id FROM `identity_work`.`regions_write`);
DELETE FROM `identity_state`.`meta` WHERE 1 = 1;
INSERT INTO `identity_state`.`meta` (section, fingerprint) VALUES ('layout', '5'), ('audiences', '74234e98afe7498f'), ('checks', '4bb1fc6304e2e852'), ('degrees', '42c0ce0b0f403f54'), ('id_salt', 'a1797ec5ecfd6437'), ('id_types', 'd143aeeefd895b1c'), ('limits', '{"user_id":1}'), ('policy', '439083f38956ba51'), ('sources', '8846a5a3a69fe880'), ('traits', '74234e98afe7498f');
INSERT INTO `identity`.`id_changes` (run_id, changed_at, kind, old_universal_id, new_universal_id, identifiers, pool) SELECT 0, CAST(CURRENT_TIMESTAMP() AS TIMESTAMP), kind, old_universal_id, new_universal_id, identifiers, pool FROM `identity_work`.`changes`;
COMMIT TRANSACTION;
