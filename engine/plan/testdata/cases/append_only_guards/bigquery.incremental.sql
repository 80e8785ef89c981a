-- idstitch plan: project append_only_guards, warehouse bigquery, components by contraction
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
  node_id INT64
);
-- every change of universal ids, across runs
CREATE TABLE IF NOT EXISTS `identity`.`id_changes` (
  run_id INT64,
  changed_at TIMESTAMP,
  kind STRING,
  old_universal_id STRING,
  new_universal_id STRING,
  identifiers INT64
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
-- source web_events (web_events): the rows read again
CREATE OR REPLACE TABLE `identity_work`.`win_web_events`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT e.*, FARM_FINGERPRINT(ARRAY_TO_STRING([CAST(COALESCE(CAST(ts AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(v1 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(q1 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(v2 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(q2 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(v3 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(q3 AS STRING), '∅') AS STRING)], '\x1f')) AS row_hash
FROM (
SELECT
  ts,
  v1,
  q1,
  CASE WHEN v1 IS NULL OR q1 IS NOT NULL THEN NULL ELSE FARM_FINGERPRINT(ARRAY_TO_STRING([CAST('user_id' AS STRING), CAST(v1 AS STRING)], '\x1f')) END AS n1,
  v2,
  q2,
  CASE WHEN v2 IS NULL OR q2 IS NOT NULL THEN NULL ELSE FARM_FINGERPRINT(ARRAY_TO_STRING([CAST('email' AS STRING), CAST(v2 AS STRING)], '\x1f')) END AS n2,
  v3,
  q3,
  CASE WHEN v3 IS NULL OR q3 IS NOT NULL THEN NULL ELSE FARM_FINGERPRINT(ARRAY_TO_STRING([CAST('anonymous_id' AS STRING), CAST(v3 AS STRING)], '\x1f')) END AS n3
FROM (
  SELECT
    ts,
    v1,
    CASE WHEN v1 IS NULL THEN NULL WHEN LOWER(v1) IN ('unknown') THEN 'blocked' END AS q1,
    v2,
    CASE WHEN v2 IS NULL THEN NULL WHEN LOWER(v2) IN ('unknown') THEN 'blocked' WHEN NOT REGEXP_CONTAINS(v2, '^[^@\\s]+@[^@\\s]+$') THEN 'invalid' END AS q2,
    v3,
    CASE WHEN v3 IS NULL THEN NULL WHEN LOWER(v3) IN ('unknown') THEN 'blocked' END AS q3
  FROM (
    SELECT
      ts,
      NULLIF(r1, '') AS v1,
      NULLIF(r2, '') AS v2,
      NULLIF(r3, '') AS v3
    FROM (
      SELECT
        CAST(`ts` AS TIMESTAMP) AS ts,
        NULLIF(CAST(`user_id` AS STRING), '') AS r1,
        NULLIF(CAST(`email` AS STRING), '') AS r2,
        NULLIF(CAST(`anonymous_id` AS STRING), '') AS r3
      FROM `web_events`
      WHERE (CAST(`ts` AS TIMESTAMP) IS NULL OR CAST(`ts` AS TIMESTAMP) >= CAST('2026-10-29 00:00:00' AS TIMESTAMP))
    ) r
  ) v
) s
) e;
-- rows whose count differs from the stored ones
CREATE OR REPLACE TABLE `identity_work`.`changed_web_events`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT COALESCE(n.row_hash, o.row_hash) AS row_hash, CASE WHEN o.c IS NULL THEN 0 ELSE 1 END AS stored
FROM (SELECT row_hash, COUNT(*) AS c FROM `identity_work`.`win_web_events` GROUP BY row_hash) n
FULL OUTER JOIN (
  SELECT row_hash, COUNT(*) AS c FROM `identity_state`.`rows_web_events` s WHERE (ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) GROUP BY row_hash
) o ON n.row_hash = o.row_hash
WHERE n.c IS NULL OR o.c IS NULL OR n.c <> o.c;
CREATE OR REPLACE TABLE `identity_work`.`ins_web_events`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT * FROM `identity_work`.`win_web_events` WHERE row_hash IN (SELECT row_hash FROM `identity_work`.`changed_web_events`);
-- the stored rows that this run replaces
CREATE OR REPLACE TABLE `identity_work`.`gone_web_events`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT row_hash FROM `identity_work`.`changed_web_events` WHERE stored = 1;
-- their identifiers
CREATE OR REPLACE TABLE `identity_work`.`del_web_events`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT n1, v1, n2, v2, n3, v3, q1, q2, q3 FROM `identity_state`.`rows_web_events` WHERE (ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) AND row_hash IN (SELECT row_hash FROM `identity_work`.`gone_web_events`);
-- source orders (orders): the rows read again
CREATE OR REPLACE TABLE `identity_work`.`win_orders`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT e.*, FARM_FINGERPRINT(ARRAY_TO_STRING([CAST(COALESCE(CAST(ts AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(v1 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(q1 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(v2 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(q2 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(v3 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(q3 AS STRING), '∅') AS STRING)], '\x1f')) AS row_hash
FROM (
SELECT
  ts,
  v1,
  q1,
  CASE WHEN v1 IS NULL OR q1 IS NOT NULL THEN NULL ELSE FARM_FINGERPRINT(ARRAY_TO_STRING([CAST('user_id' AS STRING), CAST(v1 AS STRING)], '\x1f')) END AS n1,
  v2,
  q2,
  CASE WHEN v2 IS NULL OR q2 IS NOT NULL THEN NULL ELSE FARM_FINGERPRINT(ARRAY_TO_STRING([CAST('email' AS STRING), CAST(v2 AS STRING)], '\x1f')) END AS n2,
  v3,
  q3,
  CASE WHEN v3 IS NULL OR q3 IS NOT NULL THEN NULL ELSE FARM_FINGERPRINT(ARRAY_TO_STRING([CAST('email' AS STRING), CAST(v3 AS STRING)], '\x1f')) END AS n3
FROM (
  SELECT
    ts,
    v1,
    CASE WHEN v1 IS NULL THEN NULL WHEN LOWER(v1) IN ('unknown') THEN 'blocked' END AS q1,
    v2,
    CASE WHEN v2 IS NULL THEN NULL WHEN LOWER(v2) IN ('unknown') THEN 'blocked' WHEN NOT REGEXP_CONTAINS(v2, '^[^@\\s]+@[^@\\s]+$') THEN 'invalid' END AS q2,
    v3,
    CASE WHEN v3 IS NULL THEN NULL WHEN LOWER(v3) IN ('unknown') THEN 'blocked' WHEN NOT REGEXP_CONTAINS(v3, '^[^@\\s]+@[^@\\s]+$') THEN 'invalid' END AS q3
  FROM (
    SELECT
      ts,
      NULLIF(r1, '') AS v1,
      NULLIF(r2, '') AS v2,
      NULLIF(r3, '') AS v3
    FROM (
      SELECT
        CAST(`ordered_at` AS TIMESTAMP) AS ts,
        NULLIF(CAST(`user_id` AS STRING), '') AS r1,
        NULLIF(CAST(`email` AS STRING), '') AS r2,
        NULLIF(CAST(`billing_email` AS STRING), '') AS r3
      FROM `orders`
      WHERE (CAST(`ordered_at` AS TIMESTAMP) IS NULL OR CAST(`ordered_at` AS TIMESTAMP) >= CAST('2026-10-29 00:00:00' AS TIMESTAMP))
    ) r
  ) v
) s
) e;
-- rows whose count differs from the stored ones
CREATE OR REPLACE TABLE `identity_work`.`changed_orders`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT COALESCE(n.row_hash, o.row_hash) AS row_hash, CASE WHEN o.c IS NULL THEN 0 ELSE 1 END AS stored
FROM (SELECT row_hash, COUNT(*) AS c FROM `identity_work`.`win_orders` GROUP BY row_hash) n
FULL OUTER JOIN (
  SELECT row_hash, COUNT(*) AS c FROM `identity_state`.`rows_orders` s WHERE (ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) GROUP BY row_hash
) o ON n.row_hash = o.row_hash
WHERE n.c IS NULL OR o.c IS NULL OR n.c <> o.c;
CREATE OR REPLACE TABLE `identity_work`.`ins_orders`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT * FROM `identity_work`.`win_orders` WHERE row_hash IN (SELECT row_hash FROM `identity_work`.`changed_orders`);
-- the stored rows that this run replaces
CREATE OR REPLACE TABLE `identity_work`.`gone_orders`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT row_hash FROM `identity_work`.`changed_orders` WHERE stored = 1;
-- their identifiers
CREATE OR REPLACE TABLE `identity_work`.`del_orders`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT n1, v1, n2, v2, n3, v3, q1, q2, q3 FROM `identity_state`.`rows_orders` WHERE (ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) AND row_hash IN (SELECT row_hash FROM `identity_work`.`gone_orders`);

-- ===== stage region: the identifiers the changed rows touch, the hub decisions they change, and the regions to recompute
-- identifiers on rows that are new, changed or gone
CREATE OR REPLACE TABLE `identity_work`.`touched`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT DISTINCT node_id, id_type, id_value
FROM (
  SELECT n1 AS node_id, 'user_id' AS id_type, v1 AS id_value
  FROM `identity_work`.`ins_web_events` WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 AS node_id, 'email' AS id_type, v2 AS id_value
  FROM `identity_work`.`ins_web_events` WHERE n2 IS NOT NULL
  UNION ALL SELECT n3 AS node_id, 'anonymous_id' AS id_type, v3 AS id_value
  FROM `identity_work`.`ins_web_events` WHERE n3 IS NOT NULL
  UNION ALL SELECT n1 AS node_id, 'user_id' AS id_type, v1 AS id_value
  FROM `identity_work`.`ins_orders` WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 AS node_id, 'email' AS id_type, v2 AS id_value
  FROM `identity_work`.`ins_orders` WHERE n2 IS NOT NULL
  UNION ALL SELECT n3 AS node_id, 'email' AS id_type, v3 AS id_value
  FROM `identity_work`.`ins_orders` WHERE n3 IS NOT NULL
  UNION ALL SELECT n1 AS node_id, 'user_id' AS id_type, v1 AS id_value
  FROM `identity_work`.`del_web_events` WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 AS node_id, 'email' AS id_type, v2 AS id_value
  FROM `identity_work`.`del_web_events` WHERE n2 IS NOT NULL
  UNION ALL SELECT n3 AS node_id, 'anonymous_id' AS id_type, v3 AS id_value
  FROM `identity_work`.`del_web_events` WHERE n3 IS NOT NULL
  UNION ALL SELECT n1 AS node_id, 'user_id' AS id_type, v1 AS id_value
  FROM `identity_work`.`del_orders` WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 AS node_id, 'email' AS id_type, v2 AS id_value
  FROM `identity_work`.`del_orders` WHERE n2 IS NOT NULL
  UNION ALL SELECT n3 AS node_id, 'email' AS id_type, v3 AS id_value
  FROM `identity_work`.`del_orders` WHERE n3 IS NOT NULL
) t;
-- invalid and blocked values, counted over all rows
CREATE OR REPLACE TABLE `identity_work`.`qvalues_new`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT id_type, id_value, reason, CAST(SUM(evidence) AS INT64) AS evidence
FROM (
  SELECT id_type, id_value, reason, evidence FROM `identity_state`.`qvalues`
  UNION ALL SELECT id_type, id_value, reason, evidence FROM (SELECT id_type, id_value, reason, COUNT(*) AS evidence
FROM (
  SELECT 'user_id' AS id_type, v1 AS id_value, q1 AS reason
  FROM `identity_work`.`ins_web_events` WHERE q1 IS NOT NULL
  UNION ALL SELECT 'email' AS id_type, v2 AS id_value, q2 AS reason
  FROM `identity_work`.`ins_web_events` WHERE q2 IS NOT NULL
  UNION ALL SELECT 'anonymous_id' AS id_type, v3 AS id_value, q3 AS reason
  FROM `identity_work`.`ins_web_events` WHERE q3 IS NOT NULL
  UNION ALL SELECT 'user_id' AS id_type, v1 AS id_value, q1 AS reason
  FROM `identity_work`.`ins_orders` WHERE q1 IS NOT NULL
  UNION ALL SELECT 'email' AS id_type, v2 AS id_value, q2 AS reason
  FROM `identity_work`.`ins_orders` WHERE q2 IS NOT NULL
  UNION ALL SELECT 'email' AS id_type, v3 AS id_value, q3 AS reason
  FROM `identity_work`.`ins_orders` WHERE q3 IS NOT NULL
) q
GROUP BY id_type, id_value, reason) p1
  UNION ALL SELECT id_type, id_value, reason, -evidence FROM (SELECT id_type, id_value, reason, COUNT(*) AS evidence
FROM (
  SELECT 'user_id' AS id_type, v1 AS id_value, q1 AS reason
  FROM `identity_work`.`del_web_events` WHERE q1 IS NOT NULL
  UNION ALL SELECT 'email' AS id_type, v2 AS id_value, q2 AS reason
  FROM `identity_work`.`del_web_events` WHERE q2 IS NOT NULL
  UNION ALL SELECT 'anonymous_id' AS id_type, v3 AS id_value, q3 AS reason
  FROM `identity_work`.`del_web_events` WHERE q3 IS NOT NULL
  UNION ALL SELECT 'user_id' AS id_type, v1 AS id_value, q1 AS reason
  FROM `identity_work`.`del_orders` WHERE q1 IS NOT NULL
  UNION ALL SELECT 'email' AS id_type, v2 AS id_value, q2 AS reason
  FROM `identity_work`.`del_orders` WHERE q2 IS NOT NULL
  UNION ALL SELECT 'email' AS id_type, v3 AS id_value, q3 AS reason
  FROM `identity_work`.`del_orders` WHERE q3 IS NOT NULL
) q
GROUP BY id_type, id_value, reason) p2
) q
GROUP BY id_type, id_value, reason
HAVING SUM(q.evidence) > 0;
-- the identifiers of the rows of web_events that hold a touched identifier
CREATE OR REPLACE TABLE `identity_work`.`near_web_events`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
-- The stored rows that hold one of the identifiers, less those this run replaces, and the new
-- rows that hold one: filtering by identifier first keeps the costlier test to few rows.
SELECT n1, n2, n3 FROM (
  SELECT * FROM `identity_state`.`rows_web_events` s WHERE s.n1 IN (SELECT node_id FROM `identity_work`.`touched`) OR s.n2 IN (SELECT node_id FROM `identity_work`.`touched`) OR s.n3 IN (SELECT node_id FROM `identity_work`.`touched`)
) s
WHERE NOT ((ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) AND s.row_hash IN (SELECT row_hash FROM `identity_work`.`gone_web_events`))
UNION ALL
SELECT n1, n2, n3 FROM `identity_work`.`ins_web_events` s WHERE s.n1 IN (SELECT node_id FROM `identity_work`.`touched`) OR s.n2 IN (SELECT node_id FROM `identity_work`.`touched`) OR s.n3 IN (SELECT node_id FROM `identity_work`.`touched`);
-- the identifiers of the rows of orders that hold a touched identifier
CREATE OR REPLACE TABLE `identity_work`.`near_orders`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
-- The stored rows that hold one of the identifiers, less those this run replaces, and the new
-- rows that hold one: filtering by identifier first keeps the costlier test to few rows.
SELECT n1, n2, n3 FROM (
  SELECT * FROM `identity_state`.`rows_orders` s WHERE s.n1 IN (SELECT node_id FROM `identity_work`.`touched`) OR s.n2 IN (SELECT node_id FROM `identity_work`.`touched`) OR s.n3 IN (SELECT node_id FROM `identity_work`.`touched`)
) s
WHERE NOT ((ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) AND s.row_hash IN (SELECT row_hash FROM `identity_work`.`gone_orders`))
UNION ALL
SELECT n1, n2, n3 FROM `identity_work`.`ins_orders` s WHERE s.n1 IN (SELECT node_id FROM `identity_work`.`touched`) OR s.n2 IN (SELECT node_id FROM `identity_work`.`touched`) OR s.n3 IN (SELECT node_id FROM `identity_work`.`touched`);
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
    SELECT n2 AS node, n1 AS other, 20 AS max_degree
    FROM `identity_work`.`near_web_events` WHERE n2 IS NOT NULL AND n1 IS NOT NULL AND n2 <> n1
    UNION ALL SELECT n2 AS node, n3 AS other, 20 AS max_degree
    FROM `identity_work`.`near_web_events` WHERE n2 IS NOT NULL AND n3 IS NOT NULL AND n2 <> n3
    UNION ALL SELECT n2 AS node, n1 AS other, 20 AS max_degree
    FROM `identity_work`.`near_orders` WHERE n2 IS NOT NULL AND n1 IS NOT NULL AND n2 <> n1
    UNION ALL SELECT n2 AS node, n3 AS other, 20 AS max_degree
    FROM `identity_work`.`near_orders` WHERE n2 IS NOT NULL AND n3 IS NOT NULL AND n2 <> n3
    UNION ALL SELECT n3 AS node, n1 AS other, 20 AS max_degree
    FROM `identity_work`.`near_orders` WHERE n3 IS NOT NULL AND n1 IS NOT NULL AND n3 <> n1
    UNION ALL SELECT n3 AS node, n2 AS other, 20 AS max_degree
    FROM `identity_work`.`near_orders` WHERE n3 IS NOT NULL AND n2 IS NOT NULL AND n3 <> n2
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
CREATE OR REPLACE TABLE `identity_work`.`fliprows_web_events`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT n1, n2, n3 FROM `identity_work`.`near_web_events` s WHERE s.n1 IN (SELECT node_id FROM `identity_work`.`flips`) OR s.n2 IN (SELECT node_id FROM `identity_work`.`flips`) OR s.n3 IN (SELECT node_id FROM `identity_work`.`flips`);
CREATE OR REPLACE TABLE `identity_work`.`fliprows_orders`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT n1, n2, n3 FROM `identity_work`.`near_orders` s WHERE s.n1 IN (SELECT node_id FROM `identity_work`.`flips`) OR s.n2 IN (SELECT node_id FROM `identity_work`.`flips`) OR s.n3 IN (SELECT node_id FROM `identity_work`.`flips`);
-- touched identifiers, the partners of those whose hub decision flipped, and the regions a changed limit can split
CREATE OR REPLACE TABLE `identity_work`.`seeds`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT DISTINCT node_id FROM (
  SELECT node_id FROM `identity_work`.`touched`
  UNION ALL SELECT n1 FROM `identity_work`.`fliprows_web_events` WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 FROM `identity_work`.`fliprows_web_events` WHERE n2 IS NOT NULL
  UNION ALL SELECT n3 FROM `identity_work`.`fliprows_web_events` WHERE n3 IS NOT NULL
  UNION ALL SELECT n1 FROM `identity_work`.`fliprows_orders` WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 FROM `identity_work`.`fliprows_orders` WHERE n2 IS NOT NULL
  UNION ALL SELECT n3 FROM `identity_work`.`fliprows_orders` WHERE n3 IS NOT NULL
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
  SELECT node_id, id_value FROM `identity`.`id_graph`
  WHERE node_id IN (SELECT node_id FROM `identity_work`.`rnodes`)
  UNION ALL
  SELECT FARM_FINGERPRINT(ARRAY_TO_STRING([CAST(id_type AS STRING), CAST(id_value AS STRING)], '\x1f')) AS node_id, id_value FROM `identity`.`id_quarantine`
  WHERE reason IN ('limit_conflict', 'anonymous_isolated')
  UNION ALL
  SELECT node_id, id_value FROM `identity_work`.`touched`
  UNION ALL
  SELECT node_id, id_value FROM `identity_work`.`hubs_named`
) n;
-- rows of web_events in those regions
CREATE OR REPLACE TABLE `identity_work`.`src_web_events`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
-- The stored rows that hold one of the identifiers, less those this run replaces, and the new
-- rows that hold one: filtering by identifier first keeps the costlier test to few rows.
SELECT ts, row_hash, n1, n2, n3 FROM (
  SELECT * FROM `identity_state`.`rows_web_events` s WHERE s.n1 IN (SELECT node_id FROM `identity_work`.`rnodes`) OR s.n2 IN (SELECT node_id FROM `identity_work`.`rnodes`) OR s.n3 IN (SELECT node_id FROM `identity_work`.`rnodes`)
) s
WHERE NOT ((ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) AND s.row_hash IN (SELECT row_hash FROM `identity_work`.`gone_web_events`))
UNION ALL
SELECT ts, row_hash, n1, n2, n3 FROM `identity_work`.`ins_web_events` s WHERE s.n1 IN (SELECT node_id FROM `identity_work`.`rnodes`) OR s.n2 IN (SELECT node_id FROM `identity_work`.`rnodes`) OR s.n3 IN (SELECT node_id FROM `identity_work`.`rnodes`);
-- rows of orders in those regions
CREATE OR REPLACE TABLE `identity_work`.`src_orders`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
-- The stored rows that hold one of the identifiers, less those this run replaces, and the new
-- rows that hold one: filtering by identifier first keeps the costlier test to few rows.
SELECT ts, row_hash, n1, n2, n3 FROM (
  SELECT * FROM `identity_state`.`rows_orders` s WHERE s.n1 IN (SELECT node_id FROM `identity_work`.`rnodes`) OR s.n2 IN (SELECT node_id FROM `identity_work`.`rnodes`) OR s.n3 IN (SELECT node_id FROM `identity_work`.`rnodes`)
) s
WHERE NOT ((ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) AND s.row_hash IN (SELECT row_hash FROM `identity_work`.`gone_orders`))
UNION ALL
SELECT ts, row_hash, n1, n2, n3 FROM `identity_work`.`ins_orders` s WHERE s.n1 IN (SELECT node_id FROM `identity_work`.`rnodes`) OR s.n2 IN (SELECT node_id FROM `identity_work`.`rnodes`) OR s.n3 IN (SELECT node_id FROM `identity_work`.`rnodes`);

-- ===== stage nodes: distinct (id_type, value) with a 64-bit node id
-- values from the published identifiers, the changed rows and the hubs
CREATE OR REPLACE TABLE `identity_work`.`nodes`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT i.node_id, i.id_type, nm.id_value, i.type_rank, i.first_seen_at, i.last_seen_at, i.row_count
FROM (
  SELECT node_id, id_type, type_rank, MIN(ts) AS first_seen_at, MAX(ts) AS last_seen_at, COUNT(*) AS row_count
  FROM (
    SELECT n1 AS node_id, 'user_id' AS id_type, 0 AS type_rank, ts
    FROM `identity_work`.`src_web_events` WHERE n1 IS NOT NULL
    UNION ALL SELECT n2 AS node_id, 'email' AS id_type, 1 AS type_rank, ts
    FROM `identity_work`.`src_web_events` WHERE n2 IS NOT NULL
    UNION ALL SELECT n3 AS node_id, 'anonymous_id' AS id_type, 2 AS type_rank, ts
    FROM `identity_work`.`src_web_events` WHERE n3 IS NOT NULL
    UNION ALL SELECT n1 AS node_id, 'user_id' AS id_type, 0 AS type_rank, ts
    FROM `identity_work`.`src_orders` WHERE n1 IS NOT NULL
    UNION ALL SELECT n2 AS node_id, 'email' AS id_type, 1 AS type_rank, ts
    FROM `identity_work`.`src_orders` WHERE n2 IS NOT NULL
    UNION ALL SELECT n3 AS node_id, 'email' AS id_type, 1 AS type_rank, ts
    FROM `identity_work`.`src_orders` WHERE n3 IS NOT NULL
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
-- source web_events without its hubs
CREATE OR REPLACE TABLE `identity_work`.`kept_web_events`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT ts,
  CASE WHEN n1 IN (SELECT node_id FROM `identity_work`.`hubs`) THEN NULL ELSE n1 END AS n1,
  CASE WHEN n2 IN (SELECT node_id FROM `identity_work`.`hubs`) THEN NULL ELSE n2 END AS n2,
  CASE WHEN n3 IN (SELECT node_id FROM `identity_work`.`hubs`) THEN NULL ELSE n3 END AS n3
FROM `identity_work`.`src_web_events`;
-- source orders without its hubs
CREATE OR REPLACE TABLE `identity_work`.`kept_orders`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT ts,
  CASE WHEN n1 IN (SELECT node_id FROM `identity_work`.`hubs`) THEN NULL ELSE n1 END AS n1,
  CASE WHEN n2 IN (SELECT node_id FROM `identity_work`.`hubs`) THEN NULL ELSE n2 END AS n2,
  CASE WHEN n3 IN (SELECT node_id FROM `identity_work`.`hubs`) THEN NULL ELSE n3 END AS n3
FROM `identity_work`.`src_orders`;

-- ===== stage edges: identifiers on one row are linked as a star from the row's first identifier
CREATE OR REPLACE TABLE `identity_work`.`edges`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT a, b, row_count, first_seen_at, last_seen_at, SUBSTR(CONCAT(CONCAT('', CASE WHEN s0 = 1 THEN ',orders' ELSE '' END), CASE WHEN s1 = 1 THEN ',web_events' ELSE '' END), 2) AS sources
FROM (
  SELECT LEAST(a, b) AS a, GREATEST(a, b) AS b, CAST(COUNT(*) AS INT64) AS row_count,
    MIN(ts) AS first_seen_at, MAX(ts) AS last_seen_at, MAX(s0) AS s0, MAX(s1) AS s1
  FROM (
    SELECT COALESCE(n1, n2, n3) AS a, n2 AS b, ts, 0 AS s0, 1 AS s1
    FROM `identity_work`.`kept_web_events` WHERE n2 IS NOT NULL AND n2 <> COALESCE(n1, n2, n3)
    UNION ALL SELECT COALESCE(n1, n2, n3) AS a, n3 AS b, ts, 0 AS s0, 1 AS s1
    FROM `identity_work`.`kept_web_events` WHERE n3 IS NOT NULL AND n3 <> COALESCE(n1, n2, n3)
    UNION ALL SELECT COALESCE(n1, n2, n3) AS a, n2 AS b, ts, 1 AS s0, 0 AS s1
    FROM `identity_work`.`kept_orders` WHERE n2 IS NOT NULL AND n2 <> COALESCE(n1, n2, n3)
    UNION ALL SELECT COALESCE(n1, n2, n3) AS a, n3 AS b, ts, 1 AS s0, 0 AS s1
    FROM `identity_work`.`kept_orders` WHERE n3 IS NOT NULL AND n3 <> COALESCE(n1, n2, n3)
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
  TO_HEX(MD5(CONCAT('append_only_guards', '|', id_type, '|', id_value))) AS universal_id
FROM (
  SELECT component, id_type, id_value,
    ROW_NUMBER() OVER (PARTITION BY component ORDER BY first_seen_at ASC NULLS LAST, type_rank, id_value) AS pos
  FROM `identity_work`.`assign`
) a
WHERE pos = 1;
-- every identifier with its universal id
CREATE OR REPLACE TABLE `identity_work`.`graph`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT a.universal_id, n.id_type, n.id_value, n.first_seen_at, n.last_seen_at, n.row_count, n.node_id
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
SELECT node_id, universal_id FROM `identity`.`id_graph` WHERE node_id IN (SELECT node_id FROM `identity_work`.`redo`);
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
  p.old_id AS old_universal_id, p.new_id AS new_universal_id, p.moved AS identifiers
FROM (
  SELECT old_id, new_id, COUNT(*) AS moved
  FROM (
    SELECT o.universal_id AS old_id, n.universal_id AS new_id
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
    CAST(COALESCE(SUM(CASE WHEN id_type = 'anonymous_id' THEN n END), 0) AS INT64) AS `anonymous_id_count`,
    MAX(CASE WHEN id_type = 'anonymous_id' THEN latest END) AS `latest_anonymous_id`
  FROM per_type
  GROUP BY component
)
SELECT a.universal_id, p.first_seen_at, p.last_seen_at, p.identifiers, p.`user_id_count`, p.`latest_user_id`, p.`email_count`, p.`latest_email`, p.`anonymous_id_count`, p.`latest_anonymous_id`
FROM per_profile p
JOIN `identity_work`.`anchors` a ON p.component = a.component;
CREATE OR REPLACE TABLE `identity_work`.`edges_region`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT ga.universal_id,
  ga.id_type AS id_type_a, ga.id_value AS id_value_a,
  gb.id_type AS id_type_b, gb.id_value AS id_value_b,
  e.row_count, e.first_seen_at, e.last_seen_at, e.sources
FROM `identity_work`.`edges` e
JOIN `identity_work`.`graph` ga ON e.a = ga.node_id
JOIN `identity_work`.`graph` gb ON e.b = gb.node_id
-- one universal id per profile: its anchor's, which no other profile has
WHERE ga.universal_id = gb.universal_id;
-- what was kept out of the graph, and why
CREATE OR REPLACE TABLE `identity`.`id_quarantine__next` AS
SELECT id_type, id_value, reason, evidence, CAST(0 AS INT64) AS run_id
FROM (
  SELECT id_type, id_value, reason, evidence FROM `identity_work`.`qvalues_new`
  UNION ALL SELECT q.id_type, q.id_value, q.reason, q.evidence
FROM `identity`.`id_quarantine` q
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
  o.id_type_b AS s_id_type_b, o.id_value_b AS s_id_value_b,
  n.*
FROM (SELECT * FROM `identity`.`id_edges` WHERE universal_id IN (SELECT universal_id FROM `identity_work`.`redo_ids`)) o
FULL OUTER JOIN `identity_work`.`edges_region` n
  ON n.universal_id = o.universal_id AND n.id_type_a = o.id_type_a AND n.id_value_a = o.id_value_a
  AND n.id_type_b = o.id_type_b AND n.id_value_b = o.id_value_b
WHERE o.universal_id IS NULL OR n.universal_id IS NULL OR NOT COALESCE(n.row_count = o.row_count AND n.sources = o.sources
  AND (COALESCE(n.first_seen_at = o.first_seen_at, FALSE) OR (n.first_seen_at IS NULL AND o.first_seen_at IS NULL))
  AND (COALESCE(n.last_seen_at = o.last_seen_at, FALSE) OR (n.last_seen_at IS NULL AND o.last_seen_at IS NULL)), FALSE);

-- ===== stage publish: replace the recomputed regions' rows and update the state, all together
BEGIN TRANSACTION;
DELETE FROM `identity`.`id_graph` WHERE node_id IN (SELECT node_id FROM `identity_work`.`graph_write`);
INSERT INTO `identity`.`id_graph` SELECT * FROM (SELECT universal_id, id_type, id_value, first_seen_at, last_seen_at, row_count, node_id
FROM `identity_work`.`graph`) q WHERE q.node_id IN (SELECT node_id FROM `identity_work`.`graph_write`);
DELETE FROM `identity`.`profiles` WHERE universal_id IN (SELECT universal_id FROM `identity_work`.`redo_ids`);
INSERT INTO `identity`.`profiles` SELECT * FROM `identity_work`.`profiles_region`;
DELETE FROM `identity`.`id_edges`
WHERE EXISTS (
  SELECT 1 FROM (
    SELECT s_universal_id, s_id_type_a, s_id_value_a, s_id_type_b, s_id_value_b
    FROM `identity_work`.`edges_diff` WHERE s_universal_id IS NOT NULL
  ) s
  WHERE universal_id = s.s_universal_id AND id_type_a = s.s_id_type_a AND id_value_a = s.s_id_value_a
    AND id_type_b = s.s_id_type_b AND id_value_b = s.s_id_value_b
);
INSERT INTO `identity`.`id_edges`
SELECT universal_id, id_type_a, id_value_a, id_type_b, id_value_b, row_count, first_seen_at, last_seen_at, sources
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
-- the rows of web_events
DELETE FROM `identity_state`.`rows_web_events` WHERE (ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) AND row_hash IN (SELECT row_hash FROM `identity_work`.`gone_web_events`);
INSERT INTO `identity_state`.`rows_web_events` SELECT * FROM `identity_work`.`ins_web_events`;
-- the rows of orders
DELETE FROM `identity_state`.`rows_orders` WHERE (ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) AND row_hash IN (SELECT row_hash FROM `identity_work`.`gone_orders`);
INSERT INTO `identity_state`.`rows_orders` SELECT * FROM `identity_work`.`ins_orders`;
DELETE FROM `identity_state`.`hubs` WHERE 1 = 1;
INSERT INTO `identity_state`.`hubs` SELECT node_id, degree, id_type, id_value FROM `identity_work`.`hubs_named`;
DELETE FROM `identity_state`.`qvalues` WHERE 1 = 1;
INSERT INTO `identity_state`.`qvalues` SELECT id_type, id_value, reason, evidence FROM `identity_work`.`qvalues_new`;
DELETE FROM `identity_state`.`regions` WHERE node_id IN (SELECT node_id FROM `identity_work`.`regions_write`);
INSERT INTO `identity_state`.`regions` SELECT * FROM (SELECT node_id, region, id_type FROM `identity_work`.`regions_new`) q WHERE q.node_id IN (SELECT node_id FROM `identity_work`.`regions_write`);
DELETE FROM `identity_state`.`meta` WHERE 1 = 1;
INSERT INTO `identity_state`.`meta` (section, fingerprint) VALUES ('layout', '5'), ('audiences', '74234e98afe7498f'), ('checks', 'c12f03c758822bb3'), ('degrees', '253b771d5c232358'), ('id_salt', '1b228b578797df7c'), ('id_types', 'abcf59e8d5a2844c'), ('limits', '{"user_id":1}'), ('policy', '439083f38956ba51'), ('sources', 'a74b034869b9d61f'), ('traits', '74234e98afe7498f');
INSERT INTO `identity`.`id_changes` (run_id, changed_at, kind, old_universal_id, new_universal_id, identifiers) SELECT 0, CAST(CURRENT_TIMESTAMP() AS TIMESTAMP), kind, old_universal_id, new_universal_id, identifiers FROM `identity_work`.`changes`;
COMMIT TRANSACTION;

-- append-only path, taken when this counts 0 after the extract stage:
SELECT 0 + (SELECT COUNT(*) FROM `identity_work`.`gone_web_events`) + (SELECT COUNT(*) FROM `identity_work`.`gone_orders`) AS n;

-- idstitch plan: project append_only_guards, warehouse bigquery, components by contraction
-- The runner also records each run in the runs table; that bookkeeping is not part of this script, and run_id is 0 in what it writes.

-- ===== stage guards: values that are invalid or blocked, and hubs, are kept out of the graph
-- identifiers on the batch's rows
CREATE OR REPLACE TABLE `identity_work`.`touched`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT DISTINCT node_id, id_type, id_value
FROM (
  SELECT n1 AS node_id, 'user_id' AS id_type, v1 AS id_value
  FROM `identity_work`.`ins_web_events` WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 AS node_id, 'email' AS id_type, v2 AS id_value
  FROM `identity_work`.`ins_web_events` WHERE n2 IS NOT NULL
  UNION ALL SELECT n3 AS node_id, 'anonymous_id' AS id_type, v3 AS id_value
  FROM `identity_work`.`ins_web_events` WHERE n3 IS NOT NULL
  UNION ALL SELECT n1 AS node_id, 'user_id' AS id_type, v1 AS id_value
  FROM `identity_work`.`ins_orders` WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 AS node_id, 'email' AS id_type, v2 AS id_value
  FROM `identity_work`.`ins_orders` WHERE n2 IS NOT NULL
  UNION ALL SELECT n3 AS node_id, 'email' AS id_type, v3 AS id_value
  FROM `identity_work`.`ins_orders` WHERE n3 IS NOT NULL
  UNION ALL SELECT n1 AS node_id, 'user_id' AS id_type, v1 AS id_value
  FROM `identity_work`.`del_web_events` WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 AS node_id, 'email' AS id_type, v2 AS id_value
  FROM `identity_work`.`del_web_events` WHERE n2 IS NOT NULL
  UNION ALL SELECT n3 AS node_id, 'anonymous_id' AS id_type, v3 AS id_value
  FROM `identity_work`.`del_web_events` WHERE n3 IS NOT NULL
  UNION ALL SELECT n1 AS node_id, 'user_id' AS id_type, v1 AS id_value
  FROM `identity_work`.`del_orders` WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 AS node_id, 'email' AS id_type, v2 AS id_value
  FROM `identity_work`.`del_orders` WHERE n2 IS NOT NULL
  UNION ALL SELECT n3 AS node_id, 'email' AS id_type, v3 AS id_value
  FROM `identity_work`.`del_orders` WHERE n3 IS NOT NULL
) t;
-- invalid and blocked values, counted over all rows
CREATE OR REPLACE TABLE `identity_work`.`qvalues_new`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT id_type, id_value, reason, CAST(SUM(evidence) AS INT64) AS evidence
FROM (
  SELECT id_type, id_value, reason, evidence FROM `identity_state`.`qvalues`
  UNION ALL SELECT id_type, id_value, reason, evidence FROM (SELECT id_type, id_value, reason, COUNT(*) AS evidence
FROM (
  SELECT 'user_id' AS id_type, v1 AS id_value, q1 AS reason
  FROM `identity_work`.`ins_web_events` WHERE q1 IS NOT NULL
  UNION ALL SELECT 'email' AS id_type, v2 AS id_value, q2 AS reason
  FROM `identity_work`.`ins_web_events` WHERE q2 IS NOT NULL
  UNION ALL SELECT 'anonymous_id' AS id_type, v3 AS id_value, q3 AS reason
  FROM `identity_work`.`ins_web_events` WHERE q3 IS NOT NULL
  UNION ALL SELECT 'user_id' AS id_type, v1 AS id_value, q1 AS reason
  FROM `identity_work`.`ins_orders` WHERE q1 IS NOT NULL
  UNION ALL SELECT 'email' AS id_type, v2 AS id_value, q2 AS reason
  FROM `identity_work`.`ins_orders` WHERE q2 IS NOT NULL
  UNION ALL SELECT 'email' AS id_type, v3 AS id_value, q3 AS reason
  FROM `identity_work`.`ins_orders` WHERE q3 IS NOT NULL
) q
GROUP BY id_type, id_value, reason) p1
  UNION ALL SELECT id_type, id_value, reason, -evidence FROM (SELECT id_type, id_value, reason, COUNT(*) AS evidence
FROM (
  SELECT 'user_id' AS id_type, v1 AS id_value, q1 AS reason
  FROM `identity_work`.`del_web_events` WHERE q1 IS NOT NULL
  UNION ALL SELECT 'email' AS id_type, v2 AS id_value, q2 AS reason
  FROM `identity_work`.`del_web_events` WHERE q2 IS NOT NULL
  UNION ALL SELECT 'anonymous_id' AS id_type, v3 AS id_value, q3 AS reason
  FROM `identity_work`.`del_web_events` WHERE q3 IS NOT NULL
  UNION ALL SELECT 'user_id' AS id_type, v1 AS id_value, q1 AS reason
  FROM `identity_work`.`del_orders` WHERE q1 IS NOT NULL
  UNION ALL SELECT 'email' AS id_type, v2 AS id_value, q2 AS reason
  FROM `identity_work`.`del_orders` WHERE q2 IS NOT NULL
  UNION ALL SELECT 'email' AS id_type, v3 AS id_value, q3 AS reason
  FROM `identity_work`.`del_orders` WHERE q3 IS NOT NULL
) q
GROUP BY id_type, id_value, reason) p2
) q
GROUP BY id_type, id_value, reason
HAVING SUM(q.evidence) > 0;
-- the identifiers of the rows of web_events that hold a touched identifier
CREATE OR REPLACE TABLE `identity_work`.`near_web_events`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
-- The stored rows that hold one of the identifiers, less those this run replaces, and the new
-- rows that hold one: filtering by identifier first keeps the costlier test to few rows.
SELECT n1, n2, n3 FROM (
  SELECT * FROM `identity_state`.`rows_web_events` s WHERE s.n1 IN (SELECT node_id FROM `identity_work`.`touched`) OR s.n2 IN (SELECT node_id FROM `identity_work`.`touched`) OR s.n3 IN (SELECT node_id FROM `identity_work`.`touched`)
) s
WHERE NOT ((ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) AND s.row_hash IN (SELECT row_hash FROM `identity_work`.`gone_web_events`))
UNION ALL
SELECT n1, n2, n3 FROM `identity_work`.`ins_web_events` s WHERE s.n1 IN (SELECT node_id FROM `identity_work`.`touched`) OR s.n2 IN (SELECT node_id FROM `identity_work`.`touched`) OR s.n3 IN (SELECT node_id FROM `identity_work`.`touched`);
-- the identifiers of the rows of orders that hold a touched identifier
CREATE OR REPLACE TABLE `identity_work`.`near_orders`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
-- The stored rows that hold one of the identifiers, less those this run replaces, and the new
-- rows that hold one: filtering by identifier first keeps the costlier test to few rows.
SELECT n1, n2, n3 FROM (
  SELECT * FROM `identity_state`.`rows_orders` s WHERE s.n1 IN (SELECT node_id FROM `identity_work`.`touched`) OR s.n2 IN (SELECT node_id FROM `identity_work`.`touched`) OR s.n3 IN (SELECT node_id FROM `identity_work`.`touched`)
) s
WHERE NOT ((ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) AND s.row_hash IN (SELECT row_hash FROM `identity_work`.`gone_orders`))
UNION ALL
SELECT n1, n2, n3 FROM `identity_work`.`ins_orders` s WHERE s.n1 IN (SELECT node_id FROM `identity_work`.`touched`) OR s.n2 IN (SELECT node_id FROM `identity_work`.`touched`) OR s.n3 IN (SELECT node_id FROM `identity_work`.`touched`);
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
    SELECT n2 AS node, n1 AS other, 20 AS max_degree
    FROM `identity_work`.`near_web_events` WHERE n2 IS NOT NULL AND n1 IS NOT NULL AND n2 <> n1
    UNION ALL SELECT n2 AS node, n3 AS other, 20 AS max_degree
    FROM `identity_work`.`near_web_events` WHERE n2 IS NOT NULL AND n3 IS NOT NULL AND n2 <> n3
    UNION ALL SELECT n2 AS node, n1 AS other, 20 AS max_degree
    FROM `identity_work`.`near_orders` WHERE n2 IS NOT NULL AND n1 IS NOT NULL AND n2 <> n1
    UNION ALL SELECT n2 AS node, n3 AS other, 20 AS max_degree
    FROM `identity_work`.`near_orders` WHERE n2 IS NOT NULL AND n3 IS NOT NULL AND n2 <> n3
    UNION ALL SELECT n3 AS node, n1 AS other, 20 AS max_degree
    FROM `identity_work`.`near_orders` WHERE n3 IS NOT NULL AND n1 IS NOT NULL AND n3 <> n1
    UNION ALL SELECT n3 AS node, n2 AS other, 20 AS max_degree
    FROM `identity_work`.`near_orders` WHERE n3 IS NOT NULL AND n2 IS NOT NULL AND n3 <> n2
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
CREATE OR REPLACE TABLE `identity_work`.`fliprows_web_events`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT n1, n2, n3 FROM `identity_work`.`near_web_events` s WHERE s.n1 IN (SELECT node_id FROM `identity_work`.`flips`) OR s.n2 IN (SELECT node_id FROM `identity_work`.`flips`) OR s.n3 IN (SELECT node_id FROM `identity_work`.`flips`);
CREATE OR REPLACE TABLE `identity_work`.`fliprows_orders`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT n1, n2, n3 FROM `identity_work`.`near_orders` s WHERE s.n1 IN (SELECT node_id FROM `identity_work`.`flips`) OR s.n2 IN (SELECT node_id FROM `identity_work`.`flips`) OR s.n3 IN (SELECT node_id FROM `identity_work`.`flips`);
-- the batch's rows of web_events without their hubs
CREATE OR REPLACE TABLE `identity_work`.`kept_web_events`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT ts,
  CASE WHEN n1 IN (SELECT node_id FROM `identity_work`.`hubs`) THEN NULL ELSE n1 END AS n1,
  CASE WHEN n2 IN (SELECT node_id FROM `identity_work`.`hubs`) THEN NULL ELSE n2 END AS n2,
  CASE WHEN n3 IN (SELECT node_id FROM `identity_work`.`hubs`) THEN NULL ELSE n3 END AS n3
FROM `identity_work`.`ins_web_events`;
-- the batch's rows of orders without their hubs
CREATE OR REPLACE TABLE `identity_work`.`kept_orders`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT ts,
  CASE WHEN n1 IN (SELECT node_id FROM `identity_work`.`hubs`) THEN NULL ELSE n1 END AS n1,
  CASE WHEN n2 IN (SELECT node_id FROM `identity_work`.`hubs`) THEN NULL ELSE n2 END AS n2,
  CASE WHEN n3 IN (SELECT node_id FROM `identity_work`.`hubs`) THEN NULL ELSE n3 END AS n3
FROM `identity_work`.`ins_orders`;

-- ===== stage nodes: distinct (id_type, value) with a 64-bit node id
-- the batch's identifiers, counted over its rows
CREATE OR REPLACE TABLE `identity_work`.`nodes`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT * FROM (
SELECT node_id, id_type, id_value, type_rank,
  MIN(ts) AS first_seen_at, MAX(ts) AS last_seen_at, COUNT(*) AS row_count
FROM (
  SELECT n1 AS node_id, 'user_id' AS id_type, v1 AS id_value, 0 AS type_rank, ts
  FROM `identity_work`.`ins_web_events` WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 AS node_id, 'email' AS id_type, v2 AS id_value, 1 AS type_rank, ts
  FROM `identity_work`.`ins_web_events` WHERE n2 IS NOT NULL
  UNION ALL SELECT n3 AS node_id, 'anonymous_id' AS id_type, v3 AS id_value, 2 AS type_rank, ts
  FROM `identity_work`.`ins_web_events` WHERE n3 IS NOT NULL
  UNION ALL SELECT n1 AS node_id, 'user_id' AS id_type, v1 AS id_value, 0 AS type_rank, ts
  FROM `identity_work`.`ins_orders` WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 AS node_id, 'email' AS id_type, v2 AS id_value, 1 AS type_rank, ts
  FROM `identity_work`.`ins_orders` WHERE n2 IS NOT NULL
  UNION ALL SELECT n3 AS node_id, 'email' AS id_type, v3 AS id_value, 1 AS type_rank, ts
  FROM `identity_work`.`ins_orders` WHERE n3 IS NOT NULL
) i
GROUP BY node_id, id_type, id_value, type_rank
) n
WHERE node_id NOT IN (SELECT node_id FROM `identity_work`.`hubs`);
-- two distinct identifiers must never share a node id
-- check: this count must be 0, else: two different identifiers hashed to the same 64-bit node id; the run stopped so that they are not merged (report this as a bug with the warehouse type)
SELECT COUNT(*) FROM (
  SELECT node_id FROM `identity_work`.`nodes` GROUP BY node_id HAVING COUNT(*) > 1
) c;

-- ===== stage edges: the batch's links
CREATE OR REPLACE TABLE `identity_work`.`edges`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT a, b, row_count, first_seen_at, last_seen_at, SUBSTR(CONCAT(CONCAT('', CASE WHEN s0 = 1 THEN ',orders' ELSE '' END), CASE WHEN s1 = 1 THEN ',web_events' ELSE '' END), 2) AS sources
FROM (
  SELECT LEAST(a, b) AS a, GREATEST(a, b) AS b, CAST(COUNT(*) AS INT64) AS row_count,
    MIN(ts) AS first_seen_at, MAX(ts) AS last_seen_at, MAX(s0) AS s0, MAX(s1) AS s1
  FROM (
    SELECT COALESCE(n1, n2, n3) AS a, n2 AS b, ts, 0 AS s0, 1 AS s1
    FROM `identity_work`.`kept_web_events` WHERE n2 IS NOT NULL AND n2 <> COALESCE(n1, n2, n3)
    UNION ALL SELECT COALESCE(n1, n2, n3) AS a, n3 AS b, ts, 0 AS s0, 1 AS s1
    FROM `identity_work`.`kept_web_events` WHERE n3 IS NOT NULL AND n3 <> COALESCE(n1, n2, n3)
    UNION ALL SELECT COALESCE(n1, n2, n3) AS a, n2 AS b, ts, 1 AS s0, 0 AS s1
    FROM `identity_work`.`kept_orders` WHERE n2 IS NOT NULL AND n2 <> COALESCE(n1, n2, n3)
    UNION ALL SELECT COALESCE(n1, n2, n3) AS a, n3 AS b, ts, 1 AS s0, 0 AS s1
    FROM `identity_work`.`kept_orders` WHERE n3 IS NOT NULL AND n3 <> COALESCE(n1, n2, n3)
  ) e
  GROUP BY LEAST(a, b), GREATEST(a, b)
) g;

-- ===== stage components: groups of the batch's identifiers: its links, and the profiles they belong to
-- the batch's identifiers that are published, with their profiles
CREATE OR REPLACE TABLE `identity_work`.`app_old`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT n.node_id, g.universal_id, g.first_seen_at, g.last_seen_at, g.row_count, g.id_type, g.id_value
FROM `identity_work`.`nodes` n
JOIN `identity`.`id_graph` g ON g.node_id = n.node_id;
-- no identifier of the batch may share a node id with another published one
-- check: this count must be 0, else: two different identifiers hashed to the same 64-bit node id; the run stopped so that they are not merged (report this as a bug with the warehouse type)
SELECT COUNT(*) FROM `identity_work`.`nodes` n
JOIN `identity_work`.`app_old` o ON o.node_id = n.node_id
WHERE o.id_type <> n.id_type OR o.id_value <> n.id_value;
-- round 0: the graph's edges
CREATE OR REPLACE TABLE `identity_work`.`cc_edges_0`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT a, b FROM `identity_work`.`edges`
UNION ALL
SELECT o.node_id AS a, r.rep AS b
FROM `identity_work`.`app_old` o
JOIN (SELECT universal_id, MIN(node_id) AS rep FROM `identity_work`.`app_old` GROUP BY universal_id) r ON o.universal_id = r.universal_id
WHERE o.node_id <> r.rep;

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
-- every identifier of the batch with its group
CREATE OR REPLACE TABLE `identity_work`.`app_groups`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT n.node_id, COALESCE(l.component, n.node_id) AS grp
FROM `identity_work`.`nodes` n
LEFT JOIN `identity_work`.`labels` l ON l.node_id = n.node_id;
-- the published profiles the batch touches, with their groups
CREATE OR REPLACE TABLE `identity_work`.`app_prev`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT DISTINCT o.universal_id AS old_id, g.grp
FROM `identity_work`.`app_old` o
JOIN `identity_work`.`app_groups` g ON g.node_id = o.node_id;
-- the stored region of each touched profile
CREATE OR REPLACE TABLE `identity_work`.`app_region_old`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT DISTINCT o.universal_id AS old_id, g.grp, r.region
FROM `identity_work`.`app_old` o
JOIN `identity_work`.`app_groups` g ON g.node_id = o.node_id
JOIN `identity_state`.`regions` r ON r.node_id = o.node_id;

-- ===== stage ids: one universal id per group, from its anchor identifier
-- the candidates for each group's anchor
CREATE OR REPLACE TABLE `identity_work`.`assign`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT g.grp AS component, n.id_type, n.id_value, n.type_rank,
  CASE WHEN o.first_seen_at IS NULL OR o.first_seen_at > n.first_seen_at THEN n.first_seen_at ELSE o.first_seen_at END AS first_seen_at
FROM `identity_work`.`nodes` n
JOIN `identity_work`.`app_groups` g ON g.node_id = n.node_id
LEFT JOIN `identity_work`.`app_old` o ON o.node_id = n.node_id
UNION ALL
SELECT f.grp AS component, x.id_type, x.id_value,
  CASE x.id_type WHEN 'user_id' THEN 0 WHEN 'email' THEN 1 WHEN 'anonymous_id' THEN 2 END AS type_rank,
  x.first_seen_at
FROM `identity`.`id_graph` x
JOIN (
  SELECT m.old_id, m.grp, p.first_seen_at
  FROM `identity_work`.`app_prev` m
  JOIN `identity`.`profiles` p ON p.universal_id = m.old_id
) f ON x.universal_id = f.old_id
  AND COALESCE(x.first_seen_at, CAST('0001-01-01 00:00:00' AS TIMESTAMP)) = COALESCE(f.first_seen_at, CAST('0001-01-01 00:00:00' AS TIMESTAMP));
-- anchor: earliest first_seen, then type priority, then value
CREATE OR REPLACE TABLE `identity_work`.`anchors`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT component, id_type AS anchor_type, id_value AS anchor_value,
  TO_HEX(MD5(CONCAT('append_only_guards', '|', id_type, '|', id_value))) AS universal_id
FROM (
  SELECT component, id_type, id_value,
    ROW_NUMBER() OVER (PARTITION BY component ORDER BY first_seen_at ASC NULLS LAST, type_rank, id_value) AS pos
  FROM `identity_work`.`assign`
) a
WHERE pos = 1;
-- each touched profile's universal id, and its group's
CREATE OR REPLACE TABLE `identity_work`.`app_moves`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT p.old_id, p.grp, a.universal_id AS new_id
FROM `identity_work`.`app_prev` p
JOIN `identity_work`.`anchors` a ON a.component = p.grp;

-- ===== stage outputs: the rows of the output tables the batch changes, and what changed
-- the batch's identifiers, and those of the profiles whose id changes
CREATE OR REPLACE TABLE `identity_work`.`graph`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT a.universal_id, n.id_type, n.id_value,
  CASE WHEN o.first_seen_at IS NULL OR o.first_seen_at > n.first_seen_at THEN n.first_seen_at ELSE o.first_seen_at END AS first_seen_at,
  CASE WHEN o.last_seen_at IS NULL OR o.last_seen_at < n.last_seen_at THEN n.last_seen_at ELSE o.last_seen_at END AS last_seen_at,
  CAST(COALESCE(o.row_count, 0) + n.row_count AS INT64) AS row_count, n.node_id, o.universal_id AS old_universal_id
FROM `identity_work`.`nodes` n
JOIN `identity_work`.`app_groups` g ON g.node_id = n.node_id
JOIN `identity_work`.`anchors` a ON a.component = g.grp
LEFT JOIN `identity_work`.`app_old` o ON o.node_id = n.node_id
UNION ALL
SELECT m.new_id AS universal_id, x.id_type, x.id_value, x.first_seen_at, x.last_seen_at, x.row_count, x.node_id, m.old_id AS old_universal_id
FROM `identity`.`id_graph` x
JOIN `identity_work`.`app_moves` m ON x.universal_id = m.old_id
WHERE m.old_id <> m.new_id AND x.node_id NOT IN (SELECT node_id FROM `identity_work`.`nodes`);
CREATE OR REPLACE TABLE `identity_work`.`redo`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT node_id, id_type, id_value FROM `identity_work`.`graph`;
-- their published universal ids
CREATE OR REPLACE TABLE `identity_work`.`old_map`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT node_id, old_universal_id AS universal_id FROM `identity_work`.`graph` WHERE old_universal_id IS NOT NULL;
-- every row of graph replaces its published one
CREATE OR REPLACE TABLE `identity_work`.`graph_write`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT node_id, id_type FROM `identity_work`.`graph`;
-- each group's region label: its smallest node id
CREATE OR REPLACE TABLE `identity_work`.`app_labels`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT grp, MIN(region) AS region
FROM (
  SELECT grp, region FROM `identity_work`.`app_region_old`
  UNION ALL
  SELECT grp, node_id AS region FROM `identity_work`.`app_groups` WHERE node_id NOT IN (SELECT node_id FROM `identity_work`.`app_old`)
) r
GROUP BY grp;
-- the regions rows that change
CREATE OR REPLACE TABLE `identity_work`.`regions_new`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT g.node_id, l.region, n.id_type
FROM `identity_work`.`app_groups` g
JOIN `identity_work`.`app_labels` l ON l.grp = g.grp
JOIN `identity_work`.`nodes` n ON n.node_id = g.node_id
UNION ALL
SELECT r.node_id, l.region, r.id_type
FROM `identity_state`.`regions` r
JOIN `identity_work`.`app_region_old` o ON r.region = o.region
JOIN `identity_work`.`app_labels` l ON l.grp = o.grp
WHERE o.region <> l.region AND r.node_id NOT IN (SELECT node_id FROM `identity_work`.`nodes`);
CREATE OR REPLACE TABLE `identity_work`.`regions_write`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT node_id, id_type FROM `identity_work`.`regions_new`;
-- the universal ids whose profiles rows are replaced
CREATE OR REPLACE TABLE `identity_work`.`redo_ids`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT DISTINCT universal_id FROM (
  SELECT old_id AS universal_id FROM `identity_work`.`app_moves`
  UNION ALL
  SELECT universal_id FROM `identity_work`.`anchors`
) u;
-- one profiles row per group
CREATE OR REPLACE TABLE `identity_work`.`profiles_region`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
WITH parts AS (
  SELECT m.grp, p.first_seen_at, p.last_seen_at, p.identifiers, p.`user_id_count`, p.`email_count`, p.`anonymous_id_count`
  FROM `identity`.`profiles` p
  JOIN `identity_work`.`app_moves` m ON p.universal_id = m.old_id
  UNION ALL
  SELECT g.grp, n.first_seen_at, n.last_seen_at, CASE WHEN o.node_id IS NULL THEN 1 ELSE 0 END, CASE WHEN o.node_id IS NULL AND n.id_type = 'user_id' THEN 1 ELSE 0 END, CASE WHEN o.node_id IS NULL AND n.id_type = 'email' THEN 1 ELSE 0 END, CASE WHEN o.node_id IS NULL AND n.id_type = 'anonymous_id' THEN 1 ELSE 0 END
  FROM `identity_work`.`nodes` n
  JOIN `identity_work`.`app_groups` g ON g.node_id = n.node_id
  LEFT JOIN `identity_work`.`app_old` o ON o.node_id = n.node_id
), latest AS (
  SELECT grp, id_type, id_value,
    ROW_NUMBER() OVER (PARTITION BY grp, id_type ORDER BY last_seen_at DESC NULLS LAST, id_value DESC) AS pos
  FROM (
    SELECT g.grp, n.id_type, n.id_value,
      CASE WHEN o.last_seen_at IS NULL OR o.last_seen_at < n.last_seen_at THEN n.last_seen_at ELSE o.last_seen_at END AS last_seen_at
    FROM `identity_work`.`nodes` n
    JOIN `identity_work`.`app_groups` g ON g.node_id = n.node_id
    LEFT JOIN `identity_work`.`app_old` o ON o.node_id = n.node_id
    UNION ALL
    SELECT l.grp, x.id_type, x.id_value, x.last_seen_at
    FROM `identity`.`id_graph` x
    JOIN (
      SELECT m.old_id, m.grp, 'user_id' AS id_type, p.`latest_user_id` AS id_value
      FROM `identity`.`profiles` p JOIN `identity_work`.`app_moves` m ON p.universal_id = m.old_id
      UNION ALL SELECT m.old_id, m.grp, 'email' AS id_type, p.`latest_email` AS id_value
      FROM `identity`.`profiles` p JOIN `identity_work`.`app_moves` m ON p.universal_id = m.old_id
      UNION ALL SELECT m.old_id, m.grp, 'anonymous_id' AS id_type, p.`latest_anonymous_id` AS id_value
      FROM `identity`.`profiles` p JOIN `identity_work`.`app_moves` m ON p.universal_id = m.old_id
    ) l ON x.universal_id = l.old_id AND x.id_type = l.id_type AND x.id_value = l.id_value
  ) c
)
SELECT a.universal_id, s.first_seen_at, s.last_seen_at, s.identifiers, s.`user_id_count`, l.`latest_user_id`, s.`email_count`, l.`latest_email`, s.`anonymous_id_count`, l.`latest_anonymous_id`
FROM (
  SELECT grp, MIN(first_seen_at) AS first_seen_at, MAX(last_seen_at) AS last_seen_at, CAST(SUM(identifiers) AS INT64) AS identifiers, CAST(SUM(`user_id_count`) AS INT64) AS `user_id_count`, CAST(SUM(`email_count`) AS INT64) AS `email_count`, CAST(SUM(`anonymous_id_count`) AS INT64) AS `anonymous_id_count`
  FROM parts
  GROUP BY grp
) s
JOIN `identity_work`.`anchors` a ON a.component = s.grp
LEFT JOIN (
  SELECT grp, MAX(CASE WHEN id_type = 'user_id' THEN id_value END) AS `latest_user_id`, MAX(CASE WHEN id_type = 'email' THEN id_value END) AS `latest_email`, MAX(CASE WHEN id_type = 'anonymous_id' THEN id_value END) AS `latest_anonymous_id`
  FROM latest
  WHERE pos = 1
  GROUP BY grp
) l ON l.grp = s.grp;
-- universal ids that are new or merged since the last run
CREATE OR REPLACE TABLE `identity_work`.`changes`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT CASE
    WHEN p.new_id IS NULL THEN 'quarantine'
    WHEN p.old_id IS NULL THEN 'new'
    WHEN p.old_id IN (SELECT universal_id FROM `identity_work`.`graph`) THEN 'split'
    ELSE 'merge'
  END AS kind,
  p.old_id AS old_universal_id, p.new_id AS new_universal_id, p.moved AS identifiers
FROM (
  SELECT old_id, new_id, COUNT(*) AS moved
  FROM (
    SELECT o.universal_id AS old_id, n.universal_id AS new_id
    FROM `identity_work`.`old_map` o
    FULL OUTER JOIN `identity_work`.`graph` n ON o.node_id = n.node_id
  ) m
  WHERE old_id IS NULL OR new_id IS NULL OR old_id <> new_id
  GROUP BY old_id, new_id
) p
-- identifiers seen for the first time that join a profile which already existed change no id
WHERE NOT (p.old_id IS NULL AND p.new_id IN (SELECT universal_id FROM `identity_work`.`old_map`));
-- the links the batch adds, and the published ones it adds to or relabels
CREATE OR REPLACE TABLE `identity_work`.`edges_diff`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
WITH moved AS (
  SELECT old_id, new_id FROM `identity_work`.`app_moves` WHERE old_id <> new_id
), b AS (
  SELECT a.universal_id, na.id_type AS id_type_a, na.id_value AS id_value_a, nb.id_type AS id_type_b, nb.id_value AS id_value_b,
    e.row_count, e.first_seen_at, e.last_seen_at, e.sources, oa.universal_id AS old_a, ob.universal_id AS old_b
  FROM `identity_work`.`edges` e
  JOIN `identity_work`.`nodes` na ON na.node_id = e.a
  JOIN `identity_work`.`nodes` nb ON nb.node_id = e.b
  JOIN `identity_work`.`app_groups` g ON g.node_id = e.a
  JOIN `identity_work`.`anchors` a ON a.component = g.grp
  LEFT JOIN `identity_work`.`app_old` oa ON oa.node_id = e.a
  LEFT JOIN `identity_work`.`app_old` ob ON ob.node_id = e.b
), kept AS (
  SELECT old_a, id_type_a, id_value_a, id_type_b, id_value_b FROM b
  WHERE old_a = old_b AND old_a NOT IN (SELECT old_id FROM moved)
), o AS (
  -- one pass over the published links
  SELECT p.universal_id, p.id_type_a, p.id_value_a, p.id_type_b, p.id_value_b, p.row_count, p.first_seen_at, p.last_seen_at, p.sources,
    COALESCE(m.new_id, p.universal_id) AS new_id
  FROM `identity`.`id_edges` p
  LEFT JOIN moved m ON p.universal_id = m.old_id
  LEFT JOIN kept k ON p.universal_id = k.old_a AND p.id_type_a = k.id_type_a AND p.id_value_a = k.id_value_a
    AND p.id_type_b = k.id_type_b AND p.id_value_b = k.id_value_b
  WHERE m.old_id IS NOT NULL OR k.old_a IS NOT NULL
)
SELECT o.universal_id AS s_universal_id, o.id_type_a AS s_id_type_a, o.id_value_a AS s_id_value_a,
  o.id_type_b AS s_id_type_b, o.id_value_b AS s_id_value_b,
  COALESCE(b.universal_id, o.new_id) AS universal_id,
  COALESCE(b.id_type_a, o.id_type_a) AS id_type_a, COALESCE(b.id_value_a, o.id_value_a) AS id_value_a,
  COALESCE(b.id_type_b, o.id_type_b) AS id_type_b, COALESCE(b.id_value_b, o.id_value_b) AS id_value_b,
  CAST(COALESCE(o.row_count, 0) + COALESCE(b.row_count, 0) AS INT64) AS row_count,
  CASE WHEN o.first_seen_at IS NULL OR o.first_seen_at > b.first_seen_at THEN b.first_seen_at ELSE o.first_seen_at END AS first_seen_at,
  CASE WHEN o.last_seen_at IS NULL OR o.last_seen_at < b.last_seen_at THEN b.last_seen_at ELSE o.last_seen_at END AS last_seen_at,
  SUBSTR(CONCAT(CONCAT('', CASE WHEN REGEXP_CONTAINS(o.sources, '(^|,)orders(,|$)') OR REGEXP_CONTAINS(b.sources, '(^|,)orders(,|$)') THEN ',orders' ELSE '' END), CASE WHEN REGEXP_CONTAINS(o.sources, '(^|,)web_events(,|$)') OR REGEXP_CONTAINS(b.sources, '(^|,)web_events(,|$)') THEN ',web_events' ELSE '' END), 2) AS sources
FROM o
FULL OUTER JOIN b ON o.id_type_a = b.id_type_a AND o.id_value_a = b.id_value_a AND o.id_type_b = b.id_type_b AND o.id_value_b = b.id_value_b;
-- what was kept out of the graph, and why
CREATE OR REPLACE TABLE `identity`.`id_quarantine__next` AS
SELECT id_type, id_value, reason, evidence, CAST(0 AS INT64) AS run_id
FROM (
  SELECT id_type, id_value, reason, evidence FROM `identity_work`.`qvalues_new`
  UNION ALL SELECT q.id_type, q.id_value, q.reason, q.evidence
FROM `identity`.`id_quarantine` q
WHERE q.reason IN ('limit_conflict', 'anonymous_isolated')
  AND NOT EXISTS (SELECT 1 FROM `identity_work`.`redo` r WHERE r.id_type = q.id_type AND r.id_value = q.id_value)
  UNION ALL SELECT id_type, id_value, 'hub' AS reason, degree AS evidence FROM `identity_work`.`hubs_named`
) q;
-- no audiences: none
CREATE OR REPLACE TABLE `identity`.`audience_members__next` AS
SELECT m.audience, m.universal_id, COALESCE(prev.entered_at, CAST(CURRENT_TIMESTAMP() AS TIMESTAMP)) AS entered_at
FROM (
  SELECT CAST(NULL AS STRING) AS audience, CAST(NULL AS STRING) AS universal_id FROM `identity_work`.`profiles_region` WHERE 1 = 0
) m
LEFT JOIN `identity`.`audience_members` prev ON prev.audience = m.audience AND prev.universal_id = m.universal_id
UNION ALL
SELECT audience, universal_id, entered_at FROM `identity`.`audience_members`
WHERE universal_id NOT IN (SELECT universal_id FROM `identity_work`.`redo_ids`);

-- ===== stage publish: replace the recomputed regions' rows and update the state, all together
BEGIN TRANSACTION;
DELETE FROM `identity`.`id_graph` WHERE node_id IN (SELECT node_id FROM `identity_work`.`graph_write`);
INSERT INTO `identity`.`id_graph` SELECT * FROM (SELECT universal_id, id_type, id_value, first_seen_at, last_seen_at, row_count, node_id
FROM `identity_work`.`graph`) q WHERE q.node_id IN (SELECT node_id FROM `identity_work`.`graph_write`);
DELETE FROM `identity`.`profiles` WHERE universal_id IN (SELECT universal_id FROM `identity_work`.`redo_ids`);
INSERT INTO `identity`.`profiles` SELECT * FROM `identity_work`.`profiles_region`;
DELETE FROM `identity`.`id_edges`
WHERE EXISTS (
  SELECT 1 FROM (
    SELECT s_universal_id, s_id_type_a, s_id_value_a, s_id_type_b, s_id_value_b
    FROM `identity_work`.`edges_diff` WHERE s_universal_id IS NOT NULL
  ) s
  WHERE universal_id = s.s_universal_id AND id_type_a = s.s_id_type_a AND id_value_a = s.s_id_value_a
    AND id_type_b = s.s_id_type_b AND id_value_b = s.s_id_value_b
);
INSERT INTO `identity`.`id_edges`
SELECT universal_id, id_type_a, id_value_a, id_type_b, id_value_b, row_count, first_seen_at, last_seen_at, sources
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
-- the rows of web_events
DELETE FROM `identity_state`.`rows_web_events` WHERE (ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) AND row_hash IN (SELECT row_hash FROM `identity_work`.`gone_web_events`);
INSERT INTO `identity_state`.`rows_web_events` SELECT * FROM `identity_work`.`ins_web_events`;
-- the rows of orders
DELETE FROM `identity_state`.`rows_orders` WHERE (ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) AND row_hash IN (SELECT row_hash FROM `identity_work`.`gone_orders`);
INSERT INTO `identity_state`.`rows_orders` SELECT * FROM `identity_work`.`ins_orders`;
DELETE FROM `identity_state`.`hubs` WHERE 1 = 1;
INSERT INTO `identity_state`.`hubs` SELECT node_id, degree, id_type, id_value FROM `identity_work`.`hubs_named`;
DELETE FROM `identity_state`.`qvalues` WHERE 1 = 1;
INSERT INTO `identity_state`.`qvalues` SELECT id_type, id_value, reason, evidence FROM `identity_work`.`qvalues_new`;
DELETE FROM `identity_state`.`regions` WHERE node_id IN (SELECT node_id FROM `identity_work`.`regions_write`);
INSERT INTO `identity_state`.`regions` SELECT * FROM (SELECT node_id, region, id_type FROM `identity_work`.`regions_new`) q WHERE q.node_id IN (SELECT node_id FROM `identity_work`.`regions_write`);
DELETE FROM `identity_state`.`meta` WHERE 1 = 1;
INSERT INTO `identity_state`.`meta` (section, fingerprint) VALUES ('layout', '5'), ('audiences', '74234e98afe7498f'), ('checks', 'c12f03c758822bb3'), ('degrees', '253b771d5c232358'), ('id_salt', '1b228b578797df7c'), ('id_types', 'abcf59e8d5a2844c'), ('limits', '{"user_id":1}'), ('policy', '439083f38956ba51'), ('sources', 'a74b034869b9d61f'), ('traits', '74234e98afe7498f');
INSERT INTO `identity`.`id_changes` (run_id, changed_at, kind, old_universal_id, new_universal_id, identifiers) SELECT 0, CAST(CURRENT_TIMESTAMP() AS TIMESTAMP), kind, old_universal_id, new_universal_id, identifiers FROM `identity_work`.`changes`;
COMMIT TRANSACTION;

-- the append-only path goes on after its stage guards only when this counts 0, else the run goes on after the extract stage above (the batch flips a hub decision):
SELECT 0
  + (SELECT COUNT(*) FROM `identity_work`.`flips`) AS n;

-- the append-only path goes on after its stage components only when this counts 0, else the run goes on after the extract stage above (the batch merges what a limit must split, or touches a profile a limit split):
SELECT 0
  + (SELECT COUNT(*) FROM (
       SELECT grp, id_type
       FROM (
         SELECT m.grp, 'user_id' AS id_type, p.`user_id_count` AS k
         FROM `identity`.`profiles` p JOIN `identity_work`.`app_prev` m ON p.universal_id = m.old_id
         UNION ALL
         SELECT g.grp, n.id_type, 1 AS k
         FROM `identity_work`.`nodes` n
         JOIN `identity_work`.`app_groups` g ON g.node_id = n.node_id
         WHERE n.node_id NOT IN (SELECT node_id FROM `identity_work`.`app_old`)
       ) c
       GROUP BY grp, id_type
       HAVING (id_type = 'user_id' AND SUM(k) > 1)
     ) v)
  + (SELECT COUNT(*) FROM `identity_work`.`nodes` n JOIN `identity_state`.`regions` r ON r.node_id = n.node_id
     WHERE n.node_id NOT IN (SELECT node_id FROM `identity_work`.`app_old`))
  + (SELECT COUNT(*)
     FROM (SELECT region, COUNT(DISTINCT old_id) AS profiles, MAX(old_id) AS old_id FROM `identity_work`.`app_region_old` GROUP BY region) x
     JOIN `identity`.`profiles` p ON p.universal_id = x.old_id
     JOIN (
       SELECT region, COUNT(*) AS members FROM `identity_state`.`regions`
       WHERE region IN (SELECT region FROM `identity_work`.`app_region_old`)
       GROUP BY region
     ) m ON m.region = x.region
     WHERE x.profiles > 1 OR m.members <> p.identifiers) AS n;
