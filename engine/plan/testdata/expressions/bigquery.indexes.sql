-- idstitch plan: project expressions, warehouse bigquery, components by contraction
-- The runner also records each run in the runs table; that bookkeeping is not part of this script, and run_id is 0 in what it writes.

-- ===== stage setup: schemas and the run history table
CREATE SCHEMA IF NOT EXISTS `customer_360`;
CREATE SCHEMA IF NOT EXISTS `customer_360_work`;
CREATE TABLE IF NOT EXISTS `customer_360`.`runs` (
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
ALTER TABLE `customer_360`.`runs` ADD COLUMN IF NOT EXISTS `quarantined` STRING;
ALTER TABLE `customer_360`.`runs` ADD COLUMN IF NOT EXISTS `rows_by_source` STRING;
ALTER TABLE `customer_360`.`runs` ADD COLUMN IF NOT EXISTS `watermarks` STRING;
ALTER TABLE `customer_360`.`runs` ADD COLUMN IF NOT EXISTS `components_changed` INT64;
-- the published members, read for when each entered
CREATE TABLE IF NOT EXISTS `customer_360`.`audience_members` (
  audience STRING,
  universal_id STRING,
  entered_at TIMESTAMP
);
-- every entry into and exit from an audience, across runs
CREATE TABLE IF NOT EXISTS `customer_360`.`audience_history` (
  audience STRING,
  universal_id STRING,
  entered_at TIMESTAMP,
  exited_at TIMESTAMP,
  run_id INT64
);
-- an empty mapping before the first run, so that every run can compare with the last
CREATE TABLE IF NOT EXISTS `customer_360`.`id_graph` (
  universal_id STRING,
  id_type STRING,
  id_value STRING,
  first_seen_at TIMESTAMP,
  last_seen_at TIMESTAMP,
  row_count INT64,
  node_id INT64
);
-- every change of universal ids, across runs
CREATE TABLE IF NOT EXISTS `customer_360`.`id_changes` (
  run_id INT64,
  changed_at TIMESTAMP,
  kind STRING,
  old_universal_id STRING,
  new_universal_id STRING,
  identifiers INT64
);
CREATE SCHEMA IF NOT EXISTS `customer_360_state`;
-- what the stored state was built from
CREATE TABLE IF NOT EXISTS `customer_360_state`.`meta` (
  section STRING,
  fingerprint STRING
);

-- ===== stage extract: per source: each row's identifiers, normalized and checked, with their node ids
-- source web (raw.web_events), kept as the rows read so far
CREATE OR REPLACE TABLE `customer_360_state`.`rows_web__next` AS
SELECT e.*, FARM_FINGERPRINT(ARRAY_TO_STRING([CAST(COALESCE(CAST(ts AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(v1 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(q1 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(v2 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(q2 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(v3 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(q3 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(v4 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(q4 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(v5 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(q5 AS STRING), '∅') AS STRING)], '\x1f')) AS row_hash
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
  CASE WHEN v3 IS NULL OR q3 IS NOT NULL THEN NULL ELSE FARM_FINGERPRINT(ARRAY_TO_STRING([CAST('email' AS STRING), CAST(v3 AS STRING)], '\x1f')) END AS n3,
  v4,
  q4,
  CASE WHEN v4 IS NULL OR q4 IS NOT NULL THEN NULL ELSE FARM_FINGERPRINT(ARRAY_TO_STRING([CAST('email' AS STRING), CAST(v4 AS STRING)], '\x1f')) END AS n4,
  v5,
  q5,
  CASE WHEN v5 IS NULL OR q5 IS NOT NULL THEN NULL ELSE FARM_FINGERPRINT(ARRAY_TO_STRING([CAST('anonymous_id' AS STRING), CAST(v5 AS STRING)], '\x1f')) END AS n5
FROM (
  SELECT
    ts,
    v1,
    CAST(NULL AS STRING) AS q1,
    v2,
    CAST(NULL AS STRING) AS q2,
    v3,
    CAST(NULL AS STRING) AS q3,
    v4,
    CAST(NULL AS STRING) AS q4,
    v5,
    CAST(NULL AS STRING) AS q5
  FROM (
    SELECT
      ts,
      NULLIF(r1, '') AS v1,
      NULLIF(r2, '') AS v2,
      NULLIF(r3, '') AS v3,
      NULLIF(r4, '') AS v4,
      NULLIF(r5, '') AS v5
    FROM (
      SELECT
        CAST(`EventTime` AS TIMESTAMP) AS ts,
        NULLIF(CAST((lower(user_ref)) AS STRING), '') AS r1,
        NULLIF(CAST(`email` AS STRING), '') AS r2,
        NULLIF(CAST(`billing_email` AS STRING), '') AS r3,
        NULLIF(CAST((coalesce(alt_email, '')) AS STRING), '') AS r4,
        NULLIF(CAST(`anonymousId` AS STRING), '') AS r5
      FROM `raw`.`web_events`
      WHERE (event_type <> 'test')
    ) r
  ) v
) s
) e;
-- source crm (crm.Contacts), kept as the rows read so far
CREATE OR REPLACE TABLE `customer_360_state`.`rows_crm__next` AS
SELECT e.*, FARM_FINGERPRINT(ARRAY_TO_STRING([CAST(COALESCE(CAST(ts AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(v1 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(q1 AS STRING), '∅') AS STRING)], '\x1f')) AS row_hash
FROM (
SELECT
  ts,
  v1,
  q1,
  CASE WHEN v1 IS NULL OR q1 IS NOT NULL THEN NULL ELSE FARM_FINGERPRINT(ARRAY_TO_STRING([CAST('email' AS STRING), CAST(v1 AS STRING)], '\x1f')) END AS n1
FROM (
  SELECT
    ts,
    v1,
    CAST(NULL AS STRING) AS q1
  FROM (
    SELECT
      ts,
      NULLIF(r1, '') AS v1
    FROM (
      SELECT
        CAST(`updated_at` AS TIMESTAMP) AS ts,
        NULLIF(CAST(`email` AS STRING), '') AS r1
      FROM `crm`.`Contacts`
    ) r
  ) v
) s
) e;

-- ===== stage nodes: distinct (id_type, value) with a 64-bit node id
CREATE OR REPLACE TABLE `customer_360_work`.`nodes`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT node_id, id_type, id_value, type_rank,
  MIN(ts) AS first_seen_at, MAX(ts) AS last_seen_at, COUNT(*) AS row_count
FROM (
  SELECT n1 AS node_id, 'user_id' AS id_type, v1 AS id_value, 0 AS type_rank, ts
  FROM `customer_360_state`.`rows_web__next` WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 AS node_id, 'email' AS id_type, v2 AS id_value, 1 AS type_rank, ts
  FROM `customer_360_state`.`rows_web__next` WHERE n2 IS NOT NULL
  UNION ALL SELECT n3 AS node_id, 'email' AS id_type, v3 AS id_value, 1 AS type_rank, ts
  FROM `customer_360_state`.`rows_web__next` WHERE n3 IS NOT NULL
  UNION ALL SELECT n4 AS node_id, 'email' AS id_type, v4 AS id_value, 1 AS type_rank, ts
  FROM `customer_360_state`.`rows_web__next` WHERE n4 IS NOT NULL
  UNION ALL SELECT n5 AS node_id, 'anonymous_id' AS id_type, v5 AS id_value, 2 AS type_rank, ts
  FROM `customer_360_state`.`rows_web__next` WHERE n5 IS NOT NULL
  UNION ALL SELECT n1 AS node_id, 'email' AS id_type, v1 AS id_value, 1 AS type_rank, ts
  FROM `customer_360_state`.`rows_crm__next` WHERE n1 IS NOT NULL
) i
GROUP BY node_id, id_type, id_value, type_rank;
-- two distinct identifiers must never share a node id
-- check: this count must be 0, else: two different identifiers hashed to the same 64-bit node id; the run stopped so that they are not merged (report this as a bug with the warehouse type)
SELECT COUNT(*) FROM (
  SELECT node_id FROM `customer_360_work`.`nodes` GROUP BY node_id HAVING COUNT(*) > 1
) c;

-- ===== stage edges: identifiers on one row are linked as a star from the row's first identifier
CREATE OR REPLACE TABLE `customer_360_work`.`edges`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT a, b, CAST(SUM(n) AS INT64) AS row_count, MIN(first_seen_at) AS first_seen_at, MAX(last_seen_at) AS last_seen_at,
  STRING_AGG(source, ',' ORDER BY source) AS sources
FROM (
  SELECT LEAST(a, b) AS a, GREATEST(a, b) AS b, source, COUNT(*) AS n, MIN(ts) AS first_seen_at, MAX(ts) AS last_seen_at
  FROM (
    SELECT COALESCE(n1, n2, n3, n4, n5) AS a, n2 AS b, ts, 'web' AS source
    FROM `customer_360_state`.`rows_web__next` WHERE n2 IS NOT NULL AND n2 <> COALESCE(n1, n2, n3, n4, n5)
    UNION ALL SELECT COALESCE(n1, n2, n3, n4, n5) AS a, n3 AS b, ts, 'web' AS source
    FROM `customer_360_state`.`rows_web__next` WHERE n3 IS NOT NULL AND n3 <> COALESCE(n1, n2, n3, n4, n5)
    UNION ALL SELECT COALESCE(n1, n2, n3, n4, n5) AS a, n4 AS b, ts, 'web' AS source
    FROM `customer_360_state`.`rows_web__next` WHERE n4 IS NOT NULL AND n4 <> COALESCE(n1, n2, n3, n4, n5)
    UNION ALL SELECT COALESCE(n1, n2, n3, n4, n5) AS a, n5 AS b, ts, 'web' AS source
    FROM `customer_360_state`.`rows_web__next` WHERE n5 IS NOT NULL AND n5 <> COALESCE(n1, n2, n3, n4, n5)
  ) e
  GROUP BY LEAST(a, b), GREATEST(a, b), source
) per_source
GROUP BY a, b;

-- ===== stage components: connected components by randomised contraction
-- round 0: the graph's edges
CREATE OR REPLACE TABLE `customer_360_work`.`cc_edges_0`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT e.a, e.b FROM `customer_360_work`.`edges` e;

-- rounds 1 to 3; the runner stops when the count below reaches 0 (edges left)
-- round 1: every node picks the neighbour (or itself) with the smallest hash
CREATE OR REPLACE TABLE `customer_360_work`.`cc_map_1`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT v, ANY_VALUE(u HAVING MIN FARM_FINGERPRINT(CONCAT(CAST(u AS STRING), ':1'))) AS rep
FROM (
  SELECT a AS v, b AS u FROM `customer_360_work`.`cc_edges_0`
  UNION ALL SELECT b AS v, a AS u FROM `customer_360_work`.`cc_edges_0`
  UNION ALL SELECT a AS v, a AS u FROM `customer_360_work`.`cc_edges_0`
  UNION ALL SELECT b AS v, b AS u FROM `customer_360_work`.`cc_edges_0`
) n
GROUP BY v;
-- round 1: rewrite edges onto representatives; drop self-loops
CREATE OR REPLACE TABLE `customer_360_work`.`cc_edges_1`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT DISTINCT LEAST(ma.rep, mb.rep) AS a, GREATEST(ma.rep, mb.rep) AS b
FROM `customer_360_work`.`cc_edges_0` e
JOIN `customer_360_work`.`cc_map_1` ma ON e.a = ma.v
JOIN `customer_360_work`.`cc_map_1` mb ON e.b = mb.v
WHERE ma.rep <> mb.rep;
DROP TABLE IF EXISTS `customer_360_work`.`cc_edges_0`;
-- round 2: every node picks the neighbour (or itself) with the smallest hash
CREATE OR REPLACE TABLE `customer_360_work`.`cc_map_2`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT v, ANY_VALUE(u HAVING MIN FARM_FINGERPRINT(CONCAT(CAST(u AS STRING), ':2'))) AS rep
FROM (
  SELECT a AS v, b AS u FROM `customer_360_work`.`cc_edges_1`
  UNION ALL SELECT b AS v, a AS u FROM `customer_360_work`.`cc_edges_1`
  UNION ALL SELECT a AS v, a AS u FROM `customer_360_work`.`cc_edges_1`
  UNION ALL SELECT b AS v, b AS u FROM `customer_360_work`.`cc_edges_1`
) n
GROUP BY v;
-- round 2: rewrite edges onto representatives; drop self-loops
CREATE OR REPLACE TABLE `customer_360_work`.`cc_edges_2`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT DISTINCT LEAST(ma.rep, mb.rep) AS a, GREATEST(ma.rep, mb.rep) AS b
FROM `customer_360_work`.`cc_edges_1` e
JOIN `customer_360_work`.`cc_map_2` ma ON e.a = ma.v
JOIN `customer_360_work`.`cc_map_2` mb ON e.b = mb.v
WHERE ma.rep <> mb.rep;
DROP TABLE IF EXISTS `customer_360_work`.`cc_edges_1`;
-- round 3: every node picks the neighbour (or itself) with the smallest hash
CREATE OR REPLACE TABLE `customer_360_work`.`cc_map_3`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT v, ANY_VALUE(u HAVING MIN FARM_FINGERPRINT(CONCAT(CAST(u AS STRING), ':3'))) AS rep
FROM (
  SELECT a AS v, b AS u FROM `customer_360_work`.`cc_edges_2`
  UNION ALL SELECT b AS v, a AS u FROM `customer_360_work`.`cc_edges_2`
  UNION ALL SELECT a AS v, a AS u FROM `customer_360_work`.`cc_edges_2`
  UNION ALL SELECT b AS v, b AS u FROM `customer_360_work`.`cc_edges_2`
) n
GROUP BY v;
-- round 3: rewrite edges onto representatives; drop self-loops
CREATE OR REPLACE TABLE `customer_360_work`.`cc_edges_3`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT DISTINCT LEAST(ma.rep, mb.rep) AS a, GREATEST(ma.rep, mb.rep) AS b
FROM `customer_360_work`.`cc_edges_2` e
JOIN `customer_360_work`.`cc_map_3` ma ON e.a = ma.v
JOIN `customer_360_work`.`cc_map_3` mb ON e.b = mb.v
WHERE ma.rep <> mb.rep;
DROP TABLE IF EXISTS `customer_360_work`.`cc_edges_2`;
-- 3 rounds must have been enough
-- check: this count must be 0, else: the loop did not finish in the unrolled rounds; compile with more --rounds
SELECT COUNT(*) FROM `customer_360_work`.`cc_edges_3`;
-- compose the 3 round maps, last to first
CREATE OR REPLACE TABLE `customer_360_work`.`cc_rep_3`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT v, rep FROM `customer_360_work`.`cc_map_3`;
CREATE OR REPLACE TABLE `customer_360_work`.`cc_rep_2`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT m.v, COALESCE(r.rep, m.rep) AS rep
FROM `customer_360_work`.`cc_map_2` m
LEFT JOIN `customer_360_work`.`cc_rep_3` r ON m.rep = r.v;
DROP TABLE IF EXISTS `customer_360_work`.`cc_rep_3`;
CREATE OR REPLACE TABLE `customer_360_work`.`cc_rep_1`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT m.v, COALESCE(r.rep, m.rep) AS rep
FROM `customer_360_work`.`cc_map_1` m
LEFT JOIN `customer_360_work`.`cc_rep_2` r ON m.rep = r.v;
DROP TABLE IF EXISTS `customer_360_work`.`cc_rep_2`;
-- label: the smallest node id of the component, whatever the random choices
CREATE OR REPLACE TABLE `customer_360_work`.`labels`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT v AS node_id, MIN(v) OVER (PARTITION BY rep) AS component
FROM `customer_360_work`.`cc_rep_1`;
DROP TABLE IF EXISTS `customer_360_work`.`cc_rep_1`;
DROP TABLE IF EXISTS `customer_360_work`.`cc_edges_3`;
DROP TABLE IF EXISTS `customer_360_work`.`cc_map_1`;
DROP TABLE IF EXISTS `customer_360_work`.`cc_map_2`;
DROP TABLE IF EXISTS `customer_360_work`.`cc_map_3`;

-- ===== stage ids: one universal id per profile, from its anchor identifier
-- every identifier in the graph with its profile
CREATE OR REPLACE TABLE `customer_360_work`.`assign`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT n.node_id, n.id_type, n.id_value, n.type_rank, n.first_seen_at, n.last_seen_at, n.row_count,
  COALESCE(l.component, n.node_id) AS component
FROM `customer_360_work`.`nodes` n
LEFT JOIN `customer_360_work`.`labels` l ON n.node_id = l.node_id;
-- anchor: earliest first_seen, then type priority, then value
CREATE OR REPLACE TABLE `customer_360_work`.`anchors`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT component, id_type AS anchor_type, id_value AS anchor_value,
  TO_HEX(MD5(CONCAT('salt\'with quote', '|', id_type, '|', id_value))) AS universal_id
FROM (
  SELECT component, id_type, id_value,
    ROW_NUMBER() OVER (PARTITION BY component ORDER BY first_seen_at ASC NULLS LAST, type_rank, id_value) AS pos
  FROM `customer_360_work`.`assign`
) a
WHERE pos = 1;
-- every identifier with its universal id
CREATE OR REPLACE TABLE `customer_360_work`.`graph`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT a.universal_id, n.id_type, n.id_value, n.first_seen_at, n.last_seen_at, n.row_count, n.node_id, n.component
FROM `customer_360_work`.`assign` n
JOIN `customer_360_work`.`anchors` a ON n.component = a.component;
-- every identifier's region, quarantined ones too
CREATE OR REPLACE TABLE `customer_360_state`.`regions__next` AS
SELECT n.node_id, COALESCE(l.component, n.node_id) AS region, n.id_type
FROM `customer_360_work`.`nodes` n
LEFT JOIN `customer_360_work`.`labels` l ON n.node_id = l.node_id;

-- ===== stage outputs: output tables, built beside the published ones
CREATE OR REPLACE TABLE `customer_360`.`id_graph__next` AS
SELECT universal_id, id_type, id_value, first_seen_at, last_seen_at, row_count, node_id
FROM `customer_360_work`.`graph`;
-- universal ids that are new, merged, split or quarantined since the last run
CREATE OR REPLACE TABLE `customer_360_work`.`changes`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT CASE
    WHEN p.new_id IS NULL THEN 'quarantine'
    WHEN p.old_id IS NULL THEN 'new'
    WHEN p.old_id IN (SELECT universal_id FROM `customer_360_work`.`graph`) THEN 'split'
    ELSE 'merge'
  END AS kind,
  p.old_id AS old_universal_id, p.new_id AS new_universal_id, p.moved AS identifiers
FROM (
  SELECT old_id, new_id, COUNT(*) AS moved
  FROM (
    SELECT o.universal_id AS old_id, n.universal_id AS new_id
    FROM `customer_360`.`id_graph` o
    FULL OUTER JOIN `customer_360_work`.`graph` n ON o.node_id = n.node_id
  ) m
  WHERE old_id IS NULL OR new_id IS NULL OR old_id <> new_id
  GROUP BY old_id, new_id
) p
-- identifiers seen for the first time that join a profile which already existed change no id
WHERE NOT (p.old_id IS NULL AND p.new_id IN (SELECT universal_id FROM `customer_360`.`id_graph`));
CREATE OR REPLACE TABLE `customer_360`.`profiles__next` AS
WITH ranked AS (
  SELECT component, id_type, id_value, first_seen_at, last_seen_at,
    ROW_NUMBER() OVER (PARTITION BY component, id_type ORDER BY last_seen_at DESC NULLS LAST, id_value DESC) AS pos
  FROM `customer_360_work`.`assign`
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
JOIN `customer_360_work`.`anchors` a ON p.component = a.component;
CREATE OR REPLACE TABLE `customer_360`.`id_edges__next` AS
SELECT ga.universal_id,
  ga.id_type AS id_type_a, ga.id_value AS id_value_a,
  gb.id_type AS id_type_b, gb.id_value AS id_value_b,
  e.row_count, e.first_seen_at, e.last_seen_at, e.sources
FROM `customer_360_work`.`edges` e
JOIN `customer_360_work`.`graph` ga ON e.a = ga.node_id
JOIN `customer_360_work`.`graph` gb ON e.b = gb.node_id
WHERE ga.component = gb.component;
-- what was kept out of the graph, and why
CREATE OR REPLACE TABLE `customer_360`.`id_quarantine__next` AS
SELECT id_type, id_value, reason, evidence, CAST(0 AS INT64) AS run_id
FROM (
  SELECT CAST(NULL AS STRING) AS id_type, CAST(NULL AS STRING) AS id_value, CAST(NULL AS STRING) AS reason, CAST(NULL AS INT64) AS evidence
  WHERE 1 = 0
) q;
-- audience members; those already in keep the time they entered
CREATE OR REPLACE TABLE `customer_360`.`audience_members__next` AS
SELECT m.audience, m.universal_id, COALESCE(prev.entered_at, CAST(CURRENT_TIMESTAMP() AS TIMESTAMP)) AS entered_at
FROM (
  SELECT CAST(NULL AS STRING) AS audience, CAST(NULL AS STRING) AS universal_id FROM `customer_360`.`profiles__next` WHERE 1 = 0
) m
LEFT JOIN `customer_360`.`audience_members` prev ON prev.audience = m.audience AND prev.universal_id = m.universal_id;
CREATE OR REPLACE TABLE `customer_360_state`.`hubs__next` AS
SELECT CAST(NULL AS INT64) AS node_id, CAST(NULL AS INT64) AS degree, CAST(NULL AS STRING) AS id_type, CAST(NULL AS STRING) AS id_value WHERE 1 = 0;
CREATE OR REPLACE TABLE `customer_360_state`.`qvalues__next` AS
SELECT CAST(NULL AS STRING) AS id_type, CAST(NULL AS STRING) AS id_value, CAST(NULL AS STRING) AS reason, CAST(NULL AS INT64) AS evidence WHERE 1 = 0;

-- ===== stage publish: swap the new tables in, each atomically (this warehouse has no transactions over DDL)
DROP VIEW IF EXISTS `customer_360`.`web_stitched`;
DROP VIEW IF EXISTS `customer_360`.`crm_stitched`;
UPDATE `customer_360`.`audience_history`
SET exited_at = CAST(CURRENT_TIMESTAMP() AS TIMESTAMP)
WHERE exited_at IS NULL
  AND NOT EXISTS (
    SELECT 1 FROM `customer_360`.`audience_members__next` n
    WHERE n.audience = `customer_360`.`audience_history`.audience AND n.universal_id = `customer_360`.`audience_history`.universal_id
  );
INSERT INTO `customer_360`.`audience_history` (audience, universal_id, entered_at, exited_at, run_id)
SELECT n.audience, n.universal_id, n.entered_at, CAST(NULL AS TIMESTAMP), CAST(0 AS INT64)
FROM `customer_360`.`audience_members__next` n
WHERE NOT EXISTS (
  SELECT 1 FROM `customer_360`.`audience_history` h
  WHERE h.exited_at IS NULL AND h.audience = n.audience AND h.universal_id = n.universal_id
);
CREATE OR REPLACE TABLE `customer_360`.`id_graph` AS SELECT * FROM `customer_360`.`id_graph__next`;
DROP TABLE IF EXISTS `customer_360`.`id_graph__next`;
CREATE OR REPLACE TABLE `customer_360`.`profiles` AS SELECT * FROM `customer_360`.`profiles__next`;
DROP TABLE IF EXISTS `customer_360`.`profiles__next`;
CREATE OR REPLACE TABLE `customer_360`.`id_edges` AS SELECT * FROM `customer_360`.`id_edges__next`;
DROP TABLE IF EXISTS `customer_360`.`id_edges__next`;
CREATE OR REPLACE TABLE `customer_360`.`id_quarantine` AS SELECT * FROM `customer_360`.`id_quarantine__next`;
DROP TABLE IF EXISTS `customer_360`.`id_quarantine__next`;
CREATE OR REPLACE TABLE `customer_360`.`audience_members` AS SELECT * FROM `customer_360`.`audience_members__next`;
DROP TABLE IF EXISTS `customer_360`.`audience_members__next`;
-- source web with the universal id of each row
CREATE OR REPLACE VIEW `customer_360`.`web_stitched` AS
SELECT s.*, COALESCE(g1.universal_id, g2.universal_id, g3.universal_id, g4.universal_id, g5.universal_id, CAST(NULL AS STRING)) AS universal_id
FROM `raw`.`web_events` s
LEFT JOIN `customer_360`.`id_graph` g1 ON g1.id_type = 'user_id' AND g1.id_value = NULLIF(NULLIF(CAST((lower(user_ref)) AS STRING), ''), '')
LEFT JOIN `customer_360`.`id_graph` g2 ON g2.id_type = 'email' AND g2.id_value = NULLIF(NULLIF(CAST(s.`email` AS STRING), ''), '')
LEFT JOIN `customer_360`.`id_graph` g3 ON g3.id_type = 'email' AND g3.id_value = NULLIF(NULLIF(CAST(s.`billing_email` AS STRING), ''), '')
LEFT JOIN `customer_360`.`id_graph` g4 ON g4.id_type = 'email' AND g4.id_value = NULLIF(NULLIF(CAST((coalesce(alt_email, '')) AS STRING), ''), '')
LEFT JOIN `customer_360`.`id_graph` g5 ON g5.id_type = 'anonymous_id' AND g5.id_value = NULLIF(NULLIF(CAST(s.`anonymousId` AS STRING), ''), '');
-- source crm with the universal id of each row
CREATE OR REPLACE VIEW `customer_360`.`crm_stitched` AS
SELECT s.*, COALESCE(g1.universal_id, CAST(NULL AS STRING)) AS universal_id
FROM `crm`.`Contacts` s
LEFT JOIN `customer_360`.`id_graph` g1 ON g1.id_type = 'email' AND g1.id_value = NULLIF(NULLIF(CAST(s.`email` AS STRING), ''), '');
CREATE OR REPLACE TABLE `customer_360_state`.`rows_web` AS SELECT * FROM `customer_360_state`.`rows_web__next`;
DROP TABLE IF EXISTS `customer_360_state`.`rows_web__next`;
CREATE OR REPLACE TABLE `customer_360_state`.`rows_crm` AS SELECT * FROM `customer_360_state`.`rows_crm__next`;
DROP TABLE IF EXISTS `customer_360_state`.`rows_crm__next`;
CREATE OR REPLACE TABLE `customer_360_state`.`hubs` AS SELECT * FROM `customer_360_state`.`hubs__next`;
DROP TABLE IF EXISTS `customer_360_state`.`hubs__next`;
CREATE OR REPLACE TABLE `customer_360_state`.`qvalues` AS SELECT * FROM `customer_360_state`.`qvalues__next`;
DROP TABLE IF EXISTS `customer_360_state`.`qvalues__next`;
CREATE OR REPLACE TABLE `customer_360_state`.`regions` AS SELECT * FROM `customer_360_state`.`regions__next`;
DROP TABLE IF EXISTS `customer_360_state`.`regions__next`;
DELETE FROM `customer_360_state`.`meta` WHERE 1 = 1;
INSERT INTO `customer_360_state`.`meta` (section, fingerprint) VALUES ('audiences', '74234e98afe7498f'), ('checks', '7b5219e6ed221e25'), ('degrees', '2833ac7524c0f216'), ('format', '2bf175f9655e7bb7'), ('id_salt', '031bef7d6f59aca8'), ('id_types', 'abcf59e8d5a2844c'), ('limits', '{}'), ('policy', '439083f38956ba51'), ('sources', '778af2c05d06ce23'), ('traits', '74234e98afe7498f');
INSERT INTO `customer_360`.`id_changes` (run_id, changed_at, kind, old_universal_id, new_universal_id, identifiers) SELECT 0, CAST(CURRENT_TIMESTAMP() AS TIMESTAMP), kind, old_universal_id, new_universal_id, identifiers FROM `customer_360_work`.`changes`;
