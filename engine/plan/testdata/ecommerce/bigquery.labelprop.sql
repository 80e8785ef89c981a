-- idstitch plan: project demo, warehouse bigquery, components by labelprop
-- The runner also records each run in the runs table; that bookkeeping is not part of this script, and run_id is 0 in what it writes.

-- ===== stage setup: schemas and the run history table
CREATE SCHEMA IF NOT EXISTS `identity`;
CREATE SCHEMA IF NOT EXISTS `identity_work`;
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
CREATE SCHEMA IF NOT EXISTS `identity_state`;
-- what the stored state was built from
CREATE TABLE IF NOT EXISTS `identity_state`.`meta` (
  section STRING,
  fingerprint STRING
);

-- ===== stage extract: per source: each row's identifiers, normalized and checked, with their node ids
-- source events (main.events), kept as the rows read so far
CREATE OR REPLACE TABLE `identity_state`.`rows_events__next` AS
SELECT e.*, FARM_FINGERPRINT(ARRAY_TO_STRING([CAST(COALESCE(CAST(ts AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(t1 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(f1 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(v1 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(q1 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(v2 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(q2 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(v3 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(q3 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(v4 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(q4 AS STRING), '∅') AS STRING)], '\x1f')) AS row_hash
FROM (
SELECT
  ts,
  t1,
  f1,
  v1,
  q1,
  CASE WHEN v1 IS NULL OR q1 IS NOT NULL THEN NULL ELSE FARM_FINGERPRINT(ARRAY_TO_STRING([CAST('user_id' AS STRING), CAST(v1 AS STRING)], '\x1f')) END AS n1,
  v2,
  q2,
  CASE WHEN v2 IS NULL OR q2 IS NOT NULL THEN NULL ELSE FARM_FINGERPRINT(ARRAY_TO_STRING([CAST('email' AS STRING), CAST(v2 AS STRING)], '\x1f')) END AS n2,
  v3,
  q3,
  CASE WHEN v3 IS NULL OR q3 IS NOT NULL THEN NULL ELSE FARM_FINGERPRINT(ARRAY_TO_STRING([CAST('device_id' AS STRING), CAST(v3 AS STRING)], '\x1f')) END AS n3,
  v4,
  q4,
  CASE WHEN v4 IS NULL OR q4 IS NOT NULL THEN NULL ELSE FARM_FINGERPRINT(ARRAY_TO_STRING([CAST('anonymous_id' AS STRING), CAST(v4 AS STRING)], '\x1f')) END AS n4
FROM (
  SELECT
    ts,
    t1,
    f1,
    v1,
    CASE WHEN v1 IS NULL THEN NULL WHEN LOWER(v1) IN ('null', 'none', 'undefined', 'nan', 'n/a', '0', '-1', 'unknown', 'anonymous', '00000000-0000-0000-0000-000000000000') THEN 'blocked' END AS q1,
    v2,
    CASE WHEN v2 IS NULL THEN NULL WHEN LOWER(v2) IN ('null', 'none', 'undefined', 'nan', 'n/a', '0', '-1', 'unknown', 'anonymous', '00000000-0000-0000-0000-000000000000') THEN 'blocked' WHEN v2 IN ('test@test.com') THEN 'blocked' WHEN NOT REGEXP_CONTAINS(v2, '^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$') THEN 'invalid' END AS q2,
    v3,
    CASE WHEN v3 IS NULL THEN NULL WHEN LOWER(v3) IN ('null', 'none', 'undefined', 'nan', 'n/a', '0', '-1', 'unknown', 'anonymous', '00000000-0000-0000-0000-000000000000') THEN 'blocked' END AS q3,
    v4,
    CASE WHEN v4 IS NULL THEN NULL WHEN LOWER(v4) IN ('null', 'none', 'undefined', 'nan', 'n/a', '0', '-1', 'unknown', 'anonymous', '00000000-0000-0000-0000-000000000000') THEN 'blocked' END AS q4
  FROM (
    SELECT
      ts,
      t1,
      f1,
      NULLIF(r1, '') AS v1,
      NULLIF(LOWER(TRIM(r2)), '') AS v2,
      NULLIF(r3, '') AS v3,
      NULLIF(r4, '') AS v4
    FROM (
      SELECT
        CAST(`ts` AS TIMESTAMP) AS ts,
        CAST(NULL AS INT64) AS t1,
        CASE WHEN (event_type = 'cart_abandoned') AND CAST(`ts` AS TIMESTAMP) >= TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL 90 DAY) THEN 1 ELSE 0 END AS f1,
        NULLIF(CAST(`user_id` AS STRING), '') AS r1,
        NULLIF(CAST(`email` AS STRING), '') AS r2,
        NULLIF(CAST(`device_id` AS STRING), '') AS r3,
        NULLIF(CAST(`anonymous_id` AS STRING), '') AS r4
      FROM `main`.`events`
    ) r
  ) v
) s
) e;
-- source orders (main.orders), kept as the rows read so far
CREATE OR REPLACE TABLE `identity_state`.`rows_orders__next` AS
SELECT e.*, FARM_FINGERPRINT(ARRAY_TO_STRING([CAST(COALESCE(CAST(ts AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(t1 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(f1 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(t2 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(f2 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(t3 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(f3 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(v1 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(q1 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(v2 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(q2 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(v3 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(q3 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(v4 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(q4 AS STRING), '∅') AS STRING)], '\x1f')) AS row_hash
FROM (
SELECT
  ts,
  t1,
  f1,
  t2,
  f2,
  t3,
  f3,
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
  CASE WHEN v4 IS NULL OR q4 IS NOT NULL THEN NULL ELSE FARM_FINGERPRINT(ARRAY_TO_STRING([CAST('phone' AS STRING), CAST(v4 AS STRING)], '\x1f')) END AS n4
FROM (
  SELECT
    ts,
    t1,
    f1,
    t2,
    f2,
    t3,
    f3,
    v1,
    CASE WHEN v1 IS NULL THEN NULL WHEN LOWER(v1) IN ('null', 'none', 'undefined', 'nan', 'n/a', '0', '-1', 'unknown', 'anonymous', '00000000-0000-0000-0000-000000000000') THEN 'blocked' END AS q1,
    v2,
    CASE WHEN v2 IS NULL THEN NULL WHEN LOWER(v2) IN ('null', 'none', 'undefined', 'nan', 'n/a', '0', '-1', 'unknown', 'anonymous', '00000000-0000-0000-0000-000000000000') THEN 'blocked' WHEN v2 IN ('test@test.com') THEN 'blocked' WHEN NOT REGEXP_CONTAINS(v2, '^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$') THEN 'invalid' END AS q2,
    v3,
    CASE WHEN v3 IS NULL THEN NULL WHEN LOWER(v3) IN ('null', 'none', 'undefined', 'nan', 'n/a', '0', '-1', 'unknown', 'anonymous', '00000000-0000-0000-0000-000000000000') THEN 'blocked' WHEN v3 IN ('test@test.com') THEN 'blocked' WHEN NOT REGEXP_CONTAINS(v3, '^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$') THEN 'invalid' END AS q3,
    v4,
    CASE WHEN v4 IS NULL THEN NULL WHEN LOWER(v4) IN ('null', 'none', 'undefined', 'nan', 'n/a', '0', '-1', 'unknown', 'anonymous', '00000000-0000-0000-0000-000000000000') THEN 'blocked' END AS q4
  FROM (
    SELECT
      ts,
      t1,
      f1,
      t2,
      f2,
      t3,
      f3,
      NULLIF(r1, '') AS v1,
      NULLIF(LOWER(TRIM(r2)), '') AS v2,
      NULLIF(LOWER(TRIM(r3)), '') AS v3,
      NULLIF(CASE WHEN REGEXP_REPLACE(r4, '[^0-9]', '') = '' THEN NULL WHEN TRIM(r4) LIKE '+%' THEN CONCAT('+', REGEXP_REPLACE(r4, '[^0-9]', '')) WHEN REGEXP_REPLACE(r4, '[^0-9]', '') LIKE '00%' THEN CONCAT('+', SUBSTR(REGEXP_REPLACE(r4, '[^0-9]', ''), 3)) WHEN REGEXP_REPLACE(r4, '[^0-9]', '') LIKE '1%' AND LENGTH(REGEXP_REPLACE(r4, '[^0-9]', '')) >= 11 THEN CONCAT('+', REGEXP_REPLACE(r4, '[^0-9]', '')) ELSE CONCAT('+1', LTRIM(REGEXP_REPLACE(r4, '[^0-9]', ''), '0')) END, '') AS v4
    FROM (
      SELECT
        CAST(`ts` AS TIMESTAMP) AS ts,
        `revenue` AS t1,
        1 AS f1,
        CAST(NULL AS INT64) AS t2,
        1 AS f2,
        `ts` AS t3,
        1 AS f3,
        NULLIF(CAST(`user_id` AS STRING), '') AS r1,
        NULLIF(CAST(`email` AS STRING), '') AS r2,
        NULLIF(CAST(`billing_email` AS STRING), '') AS r3,
        NULLIF(CAST(`phone` AS STRING), '') AS r4
      FROM `main`.`orders`
    ) r
  ) v
) s
) e;
-- source crm_contacts (main.crm_contacts), kept as the rows read so far
CREATE OR REPLACE TABLE `identity_state`.`rows_crm_contacts__next` AS
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
  CASE WHEN v3 IS NULL OR q3 IS NOT NULL THEN NULL ELSE FARM_FINGERPRINT(ARRAY_TO_STRING([CAST('phone' AS STRING), CAST(v3 AS STRING)], '\x1f')) END AS n3
FROM (
  SELECT
    ts,
    v1,
    CASE WHEN v1 IS NULL THEN NULL WHEN LOWER(v1) IN ('null', 'none', 'undefined', 'nan', 'n/a', '0', '-1', 'unknown', 'anonymous', '00000000-0000-0000-0000-000000000000') THEN 'blocked' END AS q1,
    v2,
    CASE WHEN v2 IS NULL THEN NULL WHEN LOWER(v2) IN ('null', 'none', 'undefined', 'nan', 'n/a', '0', '-1', 'unknown', 'anonymous', '00000000-0000-0000-0000-000000000000') THEN 'blocked' WHEN v2 IN ('test@test.com') THEN 'blocked' WHEN NOT REGEXP_CONTAINS(v2, '^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$') THEN 'invalid' END AS q2,
    v3,
    CASE WHEN v3 IS NULL THEN NULL WHEN LOWER(v3) IN ('null', 'none', 'undefined', 'nan', 'n/a', '0', '-1', 'unknown', 'anonymous', '00000000-0000-0000-0000-000000000000') THEN 'blocked' END AS q3
  FROM (
    SELECT
      ts,
      NULLIF(r1, '') AS v1,
      NULLIF(LOWER(TRIM(r2)), '') AS v2,
      NULLIF(CASE WHEN REGEXP_REPLACE(r3, '[^0-9]', '') = '' THEN NULL WHEN TRIM(r3) LIKE '+%' THEN CONCAT('+', REGEXP_REPLACE(r3, '[^0-9]', '')) WHEN REGEXP_REPLACE(r3, '[^0-9]', '') LIKE '00%' THEN CONCAT('+', SUBSTR(REGEXP_REPLACE(r3, '[^0-9]', ''), 3)) WHEN REGEXP_REPLACE(r3, '[^0-9]', '') LIKE '1%' AND LENGTH(REGEXP_REPLACE(r3, '[^0-9]', '')) >= 11 THEN CONCAT('+', REGEXP_REPLACE(r3, '[^0-9]', '')) ELSE CONCAT('+1', LTRIM(REGEXP_REPLACE(r3, '[^0-9]', ''), '0')) END, '') AS v3
    FROM (
      SELECT
        CAST(`updated_at` AS TIMESTAMP) AS ts,
        NULLIF(CAST(`user_id` AS STRING), '') AS r1,
        NULLIF(CAST(`email` AS STRING), '') AS r2,
        NULLIF(CAST(`phone` AS STRING), '') AS r3
      FROM `main`.`crm_contacts`
    ) r
  ) v
) s
) e;

-- ===== stage nodes: distinct (id_type, value) with a 64-bit node id
CREATE OR REPLACE TABLE `identity_work`.`nodes`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT node_id, id_type, id_value, type_rank,
  MIN(ts) AS first_seen_at, MAX(ts) AS last_seen_at, COUNT(*) AS row_count
FROM (
  SELECT n1 AS node_id, 'user_id' AS id_type, v1 AS id_value, 0 AS type_rank, ts
  FROM `identity_state`.`rows_events__next` WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 AS node_id, 'email' AS id_type, v2 AS id_value, 1 AS type_rank, ts
  FROM `identity_state`.`rows_events__next` WHERE n2 IS NOT NULL
  UNION ALL SELECT n3 AS node_id, 'device_id' AS id_type, v3 AS id_value, 3 AS type_rank, ts
  FROM `identity_state`.`rows_events__next` WHERE n3 IS NOT NULL
  UNION ALL SELECT n4 AS node_id, 'anonymous_id' AS id_type, v4 AS id_value, 4 AS type_rank, ts
  FROM `identity_state`.`rows_events__next` WHERE n4 IS NOT NULL
  UNION ALL SELECT n1 AS node_id, 'user_id' AS id_type, v1 AS id_value, 0 AS type_rank, ts
  FROM `identity_state`.`rows_orders__next` WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 AS node_id, 'email' AS id_type, v2 AS id_value, 1 AS type_rank, ts
  FROM `identity_state`.`rows_orders__next` WHERE n2 IS NOT NULL
  UNION ALL SELECT n3 AS node_id, 'email' AS id_type, v3 AS id_value, 1 AS type_rank, ts
  FROM `identity_state`.`rows_orders__next` WHERE n3 IS NOT NULL
  UNION ALL SELECT n4 AS node_id, 'phone' AS id_type, v4 AS id_value, 2 AS type_rank, ts
  FROM `identity_state`.`rows_orders__next` WHERE n4 IS NOT NULL
  UNION ALL SELECT n1 AS node_id, 'user_id' AS id_type, v1 AS id_value, 0 AS type_rank, ts
  FROM `identity_state`.`rows_crm_contacts__next` WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 AS node_id, 'email' AS id_type, v2 AS id_value, 1 AS type_rank, ts
  FROM `identity_state`.`rows_crm_contacts__next` WHERE n2 IS NOT NULL
  UNION ALL SELECT n3 AS node_id, 'phone' AS id_type, v3 AS id_value, 2 AS type_rank, ts
  FROM `identity_state`.`rows_crm_contacts__next` WHERE n3 IS NOT NULL
) i
GROUP BY node_id, id_type, id_value, type_rank;
-- two distinct identifiers must never share a node id
-- check: this count must be 0, else: two different identifiers hashed to the same 64-bit node id; the run stopped so that they are not merged (report this as a bug with the warehouse type)
SELECT COUNT(*) FROM (
  SELECT node_id FROM `identity_work`.`nodes` GROUP BY node_id HAVING COUNT(*) > 1
) c;

-- ===== stage guards: values that are invalid or blocked, and hubs, are kept out of the graph
-- invalid and blocked values
CREATE OR REPLACE TABLE `identity_work`.`quarantine_values`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT id_type, id_value, reason, COUNT(*) AS evidence
FROM (
  SELECT 'user_id' AS id_type, v1 AS id_value, q1 AS reason
  FROM `identity_state`.`rows_events__next` WHERE q1 IS NOT NULL
  UNION ALL SELECT 'email' AS id_type, v2 AS id_value, q2 AS reason
  FROM `identity_state`.`rows_events__next` WHERE q2 IS NOT NULL
  UNION ALL SELECT 'device_id' AS id_type, v3 AS id_value, q3 AS reason
  FROM `identity_state`.`rows_events__next` WHERE q3 IS NOT NULL
  UNION ALL SELECT 'anonymous_id' AS id_type, v4 AS id_value, q4 AS reason
  FROM `identity_state`.`rows_events__next` WHERE q4 IS NOT NULL
  UNION ALL SELECT 'user_id' AS id_type, v1 AS id_value, q1 AS reason
  FROM `identity_state`.`rows_orders__next` WHERE q1 IS NOT NULL
  UNION ALL SELECT 'email' AS id_type, v2 AS id_value, q2 AS reason
  FROM `identity_state`.`rows_orders__next` WHERE q2 IS NOT NULL
  UNION ALL SELECT 'email' AS id_type, v3 AS id_value, q3 AS reason
  FROM `identity_state`.`rows_orders__next` WHERE q3 IS NOT NULL
  UNION ALL SELECT 'phone' AS id_type, v4 AS id_value, q4 AS reason
  FROM `identity_state`.`rows_orders__next` WHERE q4 IS NOT NULL
  UNION ALL SELECT 'user_id' AS id_type, v1 AS id_value, q1 AS reason
  FROM `identity_state`.`rows_crm_contacts__next` WHERE q1 IS NOT NULL
  UNION ALL SELECT 'email' AS id_type, v2 AS id_value, q2 AS reason
  FROM `identity_state`.`rows_crm_contacts__next` WHERE q2 IS NOT NULL
  UNION ALL SELECT 'phone' AS id_type, v3 AS id_value, q3 AS reason
  FROM `identity_state`.`rows_crm_contacts__next` WHERE q3 IS NOT NULL
) q
GROUP BY id_type, id_value, reason;
-- hubs: identifiers seen with more distinct identifiers than their type's max_degree
CREATE OR REPLACE TABLE `identity_work`.`hubs`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT node_id, degree
FROM (
  SELECT node AS node_id, max_degree, COUNT(DISTINCT other) AS degree
  FROM (
    SELECT n2 AS node, n1 AS other, 30 AS max_degree
    FROM `identity_state`.`rows_events__next` WHERE n2 IS NOT NULL AND n1 IS NOT NULL AND n2 <> n1
    UNION ALL SELECT n2 AS node, n3 AS other, 30 AS max_degree
    FROM `identity_state`.`rows_events__next` WHERE n2 IS NOT NULL AND n3 IS NOT NULL AND n2 <> n3
    UNION ALL SELECT n2 AS node, n4 AS other, 30 AS max_degree
    FROM `identity_state`.`rows_events__next` WHERE n2 IS NOT NULL AND n4 IS NOT NULL AND n2 <> n4
    UNION ALL SELECT n3 AS node, n1 AS other, 10 AS max_degree
    FROM `identity_state`.`rows_events__next` WHERE n3 IS NOT NULL AND n1 IS NOT NULL AND n3 <> n1
    UNION ALL SELECT n3 AS node, n2 AS other, 10 AS max_degree
    FROM `identity_state`.`rows_events__next` WHERE n3 IS NOT NULL AND n2 IS NOT NULL AND n3 <> n2
    UNION ALL SELECT n3 AS node, n4 AS other, 10 AS max_degree
    FROM `identity_state`.`rows_events__next` WHERE n3 IS NOT NULL AND n4 IS NOT NULL AND n3 <> n4
    UNION ALL SELECT n2 AS node, n1 AS other, 30 AS max_degree
    FROM `identity_state`.`rows_orders__next` WHERE n2 IS NOT NULL AND n1 IS NOT NULL AND n2 <> n1
    UNION ALL SELECT n2 AS node, n3 AS other, 30 AS max_degree
    FROM `identity_state`.`rows_orders__next` WHERE n2 IS NOT NULL AND n3 IS NOT NULL AND n2 <> n3
    UNION ALL SELECT n2 AS node, n4 AS other, 30 AS max_degree
    FROM `identity_state`.`rows_orders__next` WHERE n2 IS NOT NULL AND n4 IS NOT NULL AND n2 <> n4
    UNION ALL SELECT n3 AS node, n1 AS other, 30 AS max_degree
    FROM `identity_state`.`rows_orders__next` WHERE n3 IS NOT NULL AND n1 IS NOT NULL AND n3 <> n1
    UNION ALL SELECT n3 AS node, n2 AS other, 30 AS max_degree
    FROM `identity_state`.`rows_orders__next` WHERE n3 IS NOT NULL AND n2 IS NOT NULL AND n3 <> n2
    UNION ALL SELECT n3 AS node, n4 AS other, 30 AS max_degree
    FROM `identity_state`.`rows_orders__next` WHERE n3 IS NOT NULL AND n4 IS NOT NULL AND n3 <> n4
    UNION ALL SELECT n4 AS node, n1 AS other, 10 AS max_degree
    FROM `identity_state`.`rows_orders__next` WHERE n4 IS NOT NULL AND n1 IS NOT NULL AND n4 <> n1
    UNION ALL SELECT n4 AS node, n2 AS other, 10 AS max_degree
    FROM `identity_state`.`rows_orders__next` WHERE n4 IS NOT NULL AND n2 IS NOT NULL AND n4 <> n2
    UNION ALL SELECT n4 AS node, n3 AS other, 10 AS max_degree
    FROM `identity_state`.`rows_orders__next` WHERE n4 IS NOT NULL AND n3 IS NOT NULL AND n4 <> n3
    UNION ALL SELECT n2 AS node, n1 AS other, 30 AS max_degree
    FROM `identity_state`.`rows_crm_contacts__next` WHERE n2 IS NOT NULL AND n1 IS NOT NULL AND n2 <> n1
    UNION ALL SELECT n2 AS node, n3 AS other, 30 AS max_degree
    FROM `identity_state`.`rows_crm_contacts__next` WHERE n2 IS NOT NULL AND n3 IS NOT NULL AND n2 <> n3
    UNION ALL SELECT n3 AS node, n1 AS other, 10 AS max_degree
    FROM `identity_state`.`rows_crm_contacts__next` WHERE n3 IS NOT NULL AND n1 IS NOT NULL AND n3 <> n1
    UNION ALL SELECT n3 AS node, n2 AS other, 10 AS max_degree
    FROM `identity_state`.`rows_crm_contacts__next` WHERE n3 IS NOT NULL AND n2 IS NOT NULL AND n3 <> n2
  ) p
  GROUP BY node, max_degree
) d
WHERE degree > max_degree;
-- source events without its hubs
CREATE OR REPLACE TABLE `identity_work`.`kept_events`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT ts,
  CASE WHEN n1 IN (SELECT node_id FROM `identity_work`.`hubs`) THEN NULL ELSE n1 END AS n1,
  CASE WHEN n2 IN (SELECT node_id FROM `identity_work`.`hubs`) THEN NULL ELSE n2 END AS n2,
  CASE WHEN n3 IN (SELECT node_id FROM `identity_work`.`hubs`) THEN NULL ELSE n3 END AS n3,
  CASE WHEN n4 IN (SELECT node_id FROM `identity_work`.`hubs`) THEN NULL ELSE n4 END AS n4
FROM `identity_state`.`rows_events__next`;
-- source orders without its hubs
CREATE OR REPLACE TABLE `identity_work`.`kept_orders`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT ts,
  CASE WHEN n1 IN (SELECT node_id FROM `identity_work`.`hubs`) THEN NULL ELSE n1 END AS n1,
  CASE WHEN n2 IN (SELECT node_id FROM `identity_work`.`hubs`) THEN NULL ELSE n2 END AS n2,
  CASE WHEN n3 IN (SELECT node_id FROM `identity_work`.`hubs`) THEN NULL ELSE n3 END AS n3,
  CASE WHEN n4 IN (SELECT node_id FROM `identity_work`.`hubs`) THEN NULL ELSE n4 END AS n4
FROM `identity_state`.`rows_orders__next`;
-- source crm_contacts without its hubs
CREATE OR REPLACE TABLE `identity_work`.`kept_crm_contacts`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT ts,
  CASE WHEN n1 IN (SELECT node_id FROM `identity_work`.`hubs`) THEN NULL ELSE n1 END AS n1,
  CASE WHEN n2 IN (SELECT node_id FROM `identity_work`.`hubs`) THEN NULL ELSE n2 END AS n2,
  CASE WHEN n3 IN (SELECT node_id FROM `identity_work`.`hubs`) THEN NULL ELSE n3 END AS n3
FROM `identity_state`.`rows_crm_contacts__next`;

-- ===== stage edges: identifiers on one row are linked as a star from the row's first identifier
CREATE OR REPLACE TABLE `identity_work`.`edges`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT a, b, CAST(SUM(n) AS INT64) AS row_count, MIN(first_seen_at) AS first_seen_at, MAX(last_seen_at) AS last_seen_at,
  STRING_AGG(source, ',' ORDER BY source) AS sources
FROM (
  SELECT LEAST(a, b) AS a, GREATEST(a, b) AS b, source, COUNT(*) AS n, MIN(ts) AS first_seen_at, MAX(ts) AS last_seen_at
  FROM (
    SELECT COALESCE(n1, n2, n3, n4) AS a, n2 AS b, ts, 'events' AS source
    FROM `identity_work`.`kept_events` WHERE n2 IS NOT NULL AND n2 <> COALESCE(n1, n2, n3, n4)
    UNION ALL SELECT COALESCE(n1, n2, n3, n4) AS a, n3 AS b, ts, 'events' AS source
    FROM `identity_work`.`kept_events` WHERE n3 IS NOT NULL AND n3 <> COALESCE(n1, n2, n3, n4)
    UNION ALL SELECT COALESCE(n1, n2, n3, n4) AS a, n4 AS b, ts, 'events' AS source
    FROM `identity_work`.`kept_events` WHERE n4 IS NOT NULL AND n4 <> COALESCE(n1, n2, n3, n4)
    UNION ALL SELECT COALESCE(n1, n2, n3, n4) AS a, n2 AS b, ts, 'orders' AS source
    FROM `identity_work`.`kept_orders` WHERE n2 IS NOT NULL AND n2 <> COALESCE(n1, n2, n3, n4)
    UNION ALL SELECT COALESCE(n1, n2, n3, n4) AS a, n3 AS b, ts, 'orders' AS source
    FROM `identity_work`.`kept_orders` WHERE n3 IS NOT NULL AND n3 <> COALESCE(n1, n2, n3, n4)
    UNION ALL SELECT COALESCE(n1, n2, n3, n4) AS a, n4 AS b, ts, 'orders' AS source
    FROM `identity_work`.`kept_orders` WHERE n4 IS NOT NULL AND n4 <> COALESCE(n1, n2, n3, n4)
    UNION ALL SELECT COALESCE(n1, n2, n3) AS a, n2 AS b, ts, 'crm_contacts' AS source
    FROM `identity_work`.`kept_crm_contacts` WHERE n2 IS NOT NULL AND n2 <> COALESCE(n1, n2, n3)
    UNION ALL SELECT COALESCE(n1, n2, n3) AS a, n3 AS b, ts, 'crm_contacts' AS source
    FROM `identity_work`.`kept_crm_contacts` WHERE n3 IS NOT NULL AND n3 <> COALESCE(n1, n2, n3)
  ) e
  GROUP BY LEAST(a, b), GREATEST(a, b), source
) per_source
GROUP BY a, b;

-- ===== stage components: connected components by label propagation (benchmark baseline)
-- the graph's edges
CREATE OR REPLACE TABLE `identity_work`.`cc_lp_edges`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT e.a, e.b FROM `identity_work`.`edges` e;
-- every node starts with its own label
CREATE OR REPLACE TABLE `identity_work`.`cc_lp_0`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT v, v AS label FROM (
  SELECT a AS v FROM `identity_work`.`cc_lp_edges`
  UNION DISTINCT SELECT b AS v FROM `identity_work`.`cc_lp_edges`
) n;

-- rounds 1 to 3; the runner stops when the count below reaches 0 (labels changed)
-- round 1
CREATE OR REPLACE TABLE `identity_work`.`cc_lp_1`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT v, MIN(label) AS label
FROM (
  SELECT v, label FROM `identity_work`.`cc_lp_0`
  UNION ALL SELECT e.a AS v, l.label FROM `identity_work`.`cc_lp_edges` e JOIN `identity_work`.`cc_lp_0` l ON e.b = l.v
  UNION ALL SELECT e.b AS v, l.label FROM `identity_work`.`cc_lp_edges` e JOIN `identity_work`.`cc_lp_0` l ON e.a = l.v
) c
GROUP BY v;
-- round 2
CREATE OR REPLACE TABLE `identity_work`.`cc_lp_2`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT v, MIN(label) AS label
FROM (
  SELECT v, label FROM `identity_work`.`cc_lp_1`
  UNION ALL SELECT e.a AS v, l.label FROM `identity_work`.`cc_lp_edges` e JOIN `identity_work`.`cc_lp_1` l ON e.b = l.v
  UNION ALL SELECT e.b AS v, l.label FROM `identity_work`.`cc_lp_edges` e JOIN `identity_work`.`cc_lp_1` l ON e.a = l.v
) c
GROUP BY v;
DROP TABLE IF EXISTS `identity_work`.`cc_lp_0`;
-- round 3
CREATE OR REPLACE TABLE `identity_work`.`cc_lp_3`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT v, MIN(label) AS label
FROM (
  SELECT v, label FROM `identity_work`.`cc_lp_2`
  UNION ALL SELECT e.a AS v, l.label FROM `identity_work`.`cc_lp_edges` e JOIN `identity_work`.`cc_lp_2` l ON e.b = l.v
  UNION ALL SELECT e.b AS v, l.label FROM `identity_work`.`cc_lp_edges` e JOIN `identity_work`.`cc_lp_2` l ON e.a = l.v
) c
GROUP BY v;
DROP TABLE IF EXISTS `identity_work`.`cc_lp_1`;
-- 3 rounds must have been enough
-- check: this count must be 0, else: the loop did not finish in the unrolled rounds; compile with more --rounds
SELECT COUNT(*) FROM `identity_work`.`cc_lp_3` c JOIN `identity_work`.`cc_lp_2` p ON c.v = p.v WHERE c.label <> p.label;
CREATE OR REPLACE TABLE `identity_work`.`labels`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT v AS node_id, label AS component FROM `identity_work`.`cc_lp_3`;
DROP TABLE IF EXISTS `identity_work`.`cc_lp_edges`;
DROP TABLE IF EXISTS `identity_work`.`cc_lp_2`;
DROP TABLE IF EXISTS `identity_work`.`cc_lp_3`;
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

-- rounds 1 to 3; the runner stops when the count below reaches 0 (identifiers reached)
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
DROP TABLE IF EXISTS `identity_work`.`lim_front_0`;
DROP TABLE IF EXISTS `identity_work`.`lim_seen_0`;
-- ring 2: each identifier next to the last ring joins its best anchor (more rows, then more recent, then anchor value)
CREATE OR REPLACE TABLE `identity_work`.`lim_front_2`
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
CREATE OR REPLACE TABLE `identity_work`.`lim_seen_2`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT node, anchor, anchors FROM `identity_work`.`lim_seen_1`
UNION ALL
SELECT node, anchor, anchors FROM `identity_work`.`lim_front_2`;
DROP TABLE IF EXISTS `identity_work`.`lim_front_1`;
DROP TABLE IF EXISTS `identity_work`.`lim_seen_1`;
-- ring 3: each identifier next to the last ring joins its best anchor (more rows, then more recent, then anchor value)
CREATE OR REPLACE TABLE `identity_work`.`lim_front_3`
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
    JOIN `identity_work`.`lim_front_2` f ON e.u = f.node
    JOIN `identity_work`.`nodes` a ON f.anchor = a.node_id
    WHERE e.v NOT IN (SELECT node FROM `identity_work`.`lim_seen_2`)
    GROUP BY e.v, f.anchor, a.id_value
  ) c
) r
WHERE pos = 1;
CREATE OR REPLACE TABLE `identity_work`.`lim_seen_3`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT node, anchor, anchors FROM `identity_work`.`lim_seen_2`
UNION ALL
SELECT node, anchor, anchors FROM `identity_work`.`lim_front_3`;
DROP TABLE IF EXISTS `identity_work`.`lim_front_2`;
DROP TABLE IF EXISTS `identity_work`.`lim_seen_2`;
-- 3 rounds must have been enough
-- check: this count must be 0, else: the loop did not finish in the unrolled rounds; compile with more --rounds
SELECT COUNT(*) FROM `identity_work`.`lim_front_3`;
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
  LEFT JOIN `identity_work`.`lim_seen_3` s ON g.node_id = s.node
  WHERE s.node IS NULL OR s.anchor IS NOT NULL
) x;
DROP TABLE IF EXISTS `identity_work`.`lim_front_3`;
DROP TABLE IF EXISTS `identity_work`.`lim_seen_3`;

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
  TO_HEX(MD5(CONCAT('demo', '|', id_type, '|', id_value))) AS universal_id
FROM (
  SELECT component, id_type, id_value,
    ROW_NUMBER() OVER (PARTITION BY component ORDER BY first_seen_at ASC NULLS LAST, type_rank, id_value) AS pos
  FROM `identity_work`.`assign`
) a
WHERE pos = 1;
-- every identifier with its universal id
CREATE OR REPLACE TABLE `identity_work`.`graph`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT a.universal_id, n.id_type, n.id_value, n.first_seen_at, n.last_seen_at, n.row_count, n.node_id, n.component
FROM `identity_work`.`assign` n
JOIN `identity_work`.`anchors` a ON n.component = a.component;
-- every identifier's region, quarantined ones too
CREATE OR REPLACE TABLE `identity_state`.`regions__next` AS
SELECT n.node_id, COALESCE(l.component, n.node_id) AS region, n.id_type
FROM `identity_work`.`nodes` n
LEFT JOIN `identity_work`.`labels` l ON n.node_id = l.node_id
WHERE n.node_id NOT IN (SELECT node_id FROM `identity_work`.`hubs`);

-- ===== stage traits: profile columns computed from the sources' rows
-- rows of events with their profile
CREATE OR REPLACE TABLE `identity_work`.`trait_rows_events`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT COALESCE(g1.universal_id, g2.universal_id, g3.universal_id, g4.universal_id, CAST(NULL AS STRING)) AS universal_id, s.ts, s.t1, s.f1
FROM `identity_state`.`rows_events__next` s
LEFT JOIN `identity_work`.`graph` g1 ON s.n1 = g1.node_id
LEFT JOIN `identity_work`.`graph` g2 ON s.n2 = g2.node_id
LEFT JOIN `identity_work`.`graph` g3 ON s.n3 = g3.node_id
LEFT JOIN `identity_work`.`graph` g4 ON s.n4 = g4.node_id;
CREATE OR REPLACE TABLE `identity_work`.`traits_events`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT universal_id,
  COUNT(CASE WHEN f1 = 1 THEN 1 END) AS `cart_abandons_90d`
FROM `identity_work`.`trait_rows_events`
WHERE universal_id IS NOT NULL
GROUP BY universal_id;
-- rows of orders with their profile
CREATE OR REPLACE TABLE `identity_work`.`trait_rows_orders`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT COALESCE(g1.universal_id, g2.universal_id, g3.universal_id, g4.universal_id, CAST(NULL AS STRING)) AS universal_id, s.ts, s.t1, s.f1, s.t2, s.f2, s.t3, s.f3
FROM `identity_state`.`rows_orders__next` s
LEFT JOIN `identity_work`.`graph` g1 ON s.n1 = g1.node_id
LEFT JOIN `identity_work`.`graph` g2 ON s.n2 = g2.node_id
LEFT JOIN `identity_work`.`graph` g3 ON s.n3 = g3.node_id
LEFT JOIN `identity_work`.`graph` g4 ON s.n4 = g4.node_id;
CREATE OR REPLACE TABLE `identity_work`.`traits_orders`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT universal_id,
  SUM(CASE WHEN f1 = 1 THEN t1 END) AS `lifetime_revenue`,
  COUNT(CASE WHEN f2 = 1 THEN 1 END) AS `orders`,
  MAX(CASE WHEN f3 = 1 THEN t3 END) AS `last_order_at`
FROM `identity_work`.`trait_rows_orders`
WHERE universal_id IS NOT NULL
GROUP BY universal_id;

-- ===== stage outputs: output tables, built beside the published ones
CREATE OR REPLACE TABLE `identity`.`id_graph__next` AS
SELECT universal_id, id_type, id_value, first_seen_at, last_seen_at, row_count, node_id
FROM `identity_work`.`graph`;
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
    FROM `identity`.`id_graph` o
    FULL OUTER JOIN `identity_work`.`graph` n ON o.node_id = n.node_id
  ) m
  WHERE old_id IS NULL OR new_id IS NULL OR old_id <> new_id
  GROUP BY old_id, new_id
) p
-- identifiers seen for the first time that join a profile which already existed change no id
WHERE NOT (p.old_id IS NULL AND p.new_id IN (SELECT universal_id FROM `identity`.`id_graph`));
CREATE OR REPLACE TABLE `identity_work`.`profiles_base`
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
    CAST(COALESCE(SUM(CASE WHEN id_type = 'phone' THEN n END), 0) AS INT64) AS `phone_count`,
    MAX(CASE WHEN id_type = 'phone' THEN latest END) AS `latest_phone`,
    CAST(COALESCE(SUM(CASE WHEN id_type = 'device_id' THEN n END), 0) AS INT64) AS `device_id_count`,
    MAX(CASE WHEN id_type = 'device_id' THEN latest END) AS `latest_device_id`,
    CAST(COALESCE(SUM(CASE WHEN id_type = 'anonymous_id' THEN n END), 0) AS INT64) AS `anonymous_id_count`,
    MAX(CASE WHEN id_type = 'anonymous_id' THEN latest END) AS `latest_anonymous_id`
  FROM per_type
  GROUP BY component
)
SELECT a.universal_id, p.first_seen_at, p.last_seen_at, p.identifiers, p.`user_id_count`, p.`latest_user_id`, p.`email_count`, p.`latest_email`, p.`phone_count`, p.`latest_phone`, p.`device_id_count`, p.`latest_device_id`, p.`anonymous_id_count`, p.`latest_anonymous_id`
FROM per_profile p
JOIN `identity_work`.`anchors` a ON p.component = a.component;
-- profiles with their traits and audience flags
CREATE OR REPLACE TABLE `identity`.`profiles__next` AS
SELECT p.*,
  CASE WHEN (lifetime_revenue > 300 and orders >= 3) THEN TRUE ELSE FALSE END AS `loyal_customers`,
  CASE WHEN (cart_abandons_90d >= 2) THEN TRUE ELSE FALSE END AS `frequent_cart_abandoners`
FROM (
  SELECT b.*,
    COALESCE(t1.`cart_abandons_90d`, 0) AS `cart_abandons_90d`,
    t2.`lifetime_revenue` AS `lifetime_revenue`,
    COALESCE(t2.`orders`, 0) AS `orders`,
    t2.`last_order_at` AS `last_order_at`
  FROM `identity_work`.`profiles_base` b
  LEFT JOIN `identity_work`.`traits_events` t1 ON b.universal_id = t1.universal_id
  LEFT JOIN `identity_work`.`traits_orders` t2 ON b.universal_id = t2.universal_id
) p;
CREATE OR REPLACE TABLE `identity`.`id_edges__next` AS
SELECT ga.universal_id,
  ga.id_type AS id_type_a, ga.id_value AS id_value_a,
  gb.id_type AS id_type_b, gb.id_value AS id_value_b,
  e.row_count, e.first_seen_at, e.last_seen_at, e.sources
FROM `identity_work`.`edges` e
JOIN `identity_work`.`graph` ga ON e.a = ga.node_id
JOIN `identity_work`.`graph` gb ON e.b = gb.node_id
WHERE ga.component = gb.component;
-- what was kept out of the graph, and why
CREATE OR REPLACE TABLE `identity`.`id_quarantine__next` AS
SELECT id_type, id_value, reason, evidence, CAST(0 AS INT64) AS run_id
FROM (
  SELECT id_type, id_value, reason, evidence FROM `identity_work`.`quarantine_values`
  UNION ALL SELECT n.id_type, n.id_value, 'hub' AS reason, CAST(q.degree AS INT64) AS evidence
FROM `identity_work`.`hubs` q JOIN `identity_work`.`nodes` n ON q.node_id = n.node_id
) q;
-- audience members; those already in keep the time they entered
CREATE OR REPLACE TABLE `identity`.`audience_members__next` AS
SELECT m.audience, m.universal_id, COALESCE(prev.entered_at, CAST(CURRENT_TIMESTAMP() AS TIMESTAMP)) AS entered_at
FROM (
  SELECT 'loyal_customers' AS audience, universal_id FROM `identity`.`profiles__next` WHERE `loyal_customers`
  UNION ALL SELECT 'frequent_cart_abandoners' AS audience, universal_id FROM `identity`.`profiles__next` WHERE `frequent_cart_abandoners`
) m
LEFT JOIN `identity`.`audience_members` prev ON prev.audience = m.audience AND prev.universal_id = m.universal_id;
CREATE OR REPLACE TABLE `identity_state`.`hubs__next` AS
SELECT h.node_id, h.degree, n.id_type, n.id_value FROM `identity_work`.`hubs` h JOIN `identity_work`.`nodes` n ON h.node_id = n.node_id;
CREATE OR REPLACE TABLE `identity_state`.`qvalues__next` AS
SELECT id_type, id_value, reason, evidence FROM `identity_work`.`quarantine_values`;

-- ===== stage publish: swap the new tables in, each atomically (this warehouse has no transactions over DDL)
DROP VIEW IF EXISTS `identity`.`events_stitched`;
DROP VIEW IF EXISTS `identity`.`orders_stitched`;
DROP VIEW IF EXISTS `identity`.`crm_contacts_stitched`;
UPDATE `identity`.`audience_history`
SET exited_at = CAST(CURRENT_TIMESTAMP() AS TIMESTAMP)
WHERE exited_at IS NULL
  AND NOT EXISTS (
    SELECT 1 FROM `identity`.`audience_members__next` n
    WHERE n.audience = `identity`.`audience_history`.audience AND n.universal_id = `identity`.`audience_history`.universal_id
  );
INSERT INTO `identity`.`audience_history` (audience, universal_id, entered_at, exited_at, run_id)
SELECT n.audience, n.universal_id, n.entered_at, CAST(NULL AS TIMESTAMP), CAST(0 AS INT64)
FROM `identity`.`audience_members__next` n
WHERE NOT EXISTS (
  SELECT 1 FROM `identity`.`audience_history` h
  WHERE h.exited_at IS NULL AND h.audience = n.audience AND h.universal_id = n.universal_id
);
CREATE OR REPLACE TABLE `identity`.`id_graph` AS SELECT * FROM `identity`.`id_graph__next`;
DROP TABLE IF EXISTS `identity`.`id_graph__next`;
CREATE OR REPLACE TABLE `identity`.`profiles` AS SELECT * FROM `identity`.`profiles__next`;
DROP TABLE IF EXISTS `identity`.`profiles__next`;
CREATE OR REPLACE TABLE `identity`.`id_edges` AS SELECT * FROM `identity`.`id_edges__next`;
DROP TABLE IF EXISTS `identity`.`id_edges__next`;
CREATE OR REPLACE TABLE `identity`.`id_quarantine` AS SELECT * FROM `identity`.`id_quarantine__next`;
DROP TABLE IF EXISTS `identity`.`id_quarantine__next`;
CREATE OR REPLACE TABLE `identity`.`audience_members` AS SELECT * FROM `identity`.`audience_members__next`;
DROP TABLE IF EXISTS `identity`.`audience_members__next`;
-- source events with the universal id of each row
CREATE OR REPLACE VIEW `identity`.`events_stitched` AS
SELECT s.*, COALESCE(g1.universal_id, g2.universal_id, g3.universal_id, g4.universal_id, CAST(NULL AS STRING)) AS universal_id
FROM `main`.`events` s
LEFT JOIN `identity`.`id_graph` g1 ON g1.id_type = 'user_id' AND g1.id_value = NULLIF(NULLIF(CAST(s.`user_id` AS STRING), ''), '')
LEFT JOIN `identity`.`id_graph` g2 ON g2.id_type = 'email' AND g2.id_value = NULLIF(LOWER(TRIM(NULLIF(CAST(s.`email` AS STRING), ''))), '')
LEFT JOIN `identity`.`id_graph` g3 ON g3.id_type = 'device_id' AND g3.id_value = NULLIF(NULLIF(CAST(s.`device_id` AS STRING), ''), '')
LEFT JOIN `identity`.`id_graph` g4 ON g4.id_type = 'anonymous_id' AND g4.id_value = NULLIF(NULLIF(CAST(s.`anonymous_id` AS STRING), ''), '');
-- source orders with the universal id of each row
CREATE OR REPLACE VIEW `identity`.`orders_stitched` AS
SELECT s.*, COALESCE(g1.universal_id, g2.universal_id, g3.universal_id, g4.universal_id, CAST(NULL AS STRING)) AS universal_id
FROM `main`.`orders` s
LEFT JOIN `identity`.`id_graph` g1 ON g1.id_type = 'user_id' AND g1.id_value = NULLIF(NULLIF(CAST(s.`user_id` AS STRING), ''), '')
LEFT JOIN `identity`.`id_graph` g2 ON g2.id_type = 'email' AND g2.id_value = NULLIF(LOWER(TRIM(NULLIF(CAST(s.`email` AS STRING), ''))), '')
LEFT JOIN `identity`.`id_graph` g3 ON g3.id_type = 'email' AND g3.id_value = NULLIF(LOWER(TRIM(NULLIF(CAST(s.`billing_email` AS STRING), ''))), '')
LEFT JOIN `identity`.`id_graph` g4 ON g4.id_type = 'phone' AND g4.id_value = NULLIF(CASE WHEN REGEXP_REPLACE(NULLIF(CAST(s.`phone` AS STRING), ''), '[^0-9]', '') = '' THEN NULL WHEN TRIM(NULLIF(CAST(s.`phone` AS STRING), '')) LIKE '+%' THEN CONCAT('+', REGEXP_REPLACE(NULLIF(CAST(s.`phone` AS STRING), ''), '[^0-9]', '')) WHEN REGEXP_REPLACE(NULLIF(CAST(s.`phone` AS STRING), ''), '[^0-9]', '') LIKE '00%' THEN CONCAT('+', SUBSTR(REGEXP_REPLACE(NULLIF(CAST(s.`phone` AS STRING), ''), '[^0-9]', ''), 3)) WHEN REGEXP_REPLACE(NULLIF(CAST(s.`phone` AS STRING), ''), '[^0-9]', '') LIKE '1%' AND LENGTH(REGEXP_REPLACE(NULLIF(CAST(s.`phone` AS STRING), ''), '[^0-9]', '')) >= 11 THEN CONCAT('+', REGEXP_REPLACE(NULLIF(CAST(s.`phone` AS STRING), ''), '[^0-9]', '')) ELSE CONCAT('+1', LTRIM(REGEXP_REPLACE(NULLIF(CAST(s.`phone` AS STRING), ''), '[^0-9]', ''), '0')) END, '');
-- source crm_contacts with the universal id of each row
CREATE OR REPLACE VIEW `identity`.`crm_contacts_stitched` AS
SELECT s.*, COALESCE(g1.universal_id, g2.universal_id, g3.universal_id, CAST(NULL AS STRING)) AS universal_id
FROM `main`.`crm_contacts` s
LEFT JOIN `identity`.`id_graph` g1 ON g1.id_type = 'user_id' AND g1.id_value = NULLIF(NULLIF(CAST(s.`user_id` AS STRING), ''), '')
LEFT JOIN `identity`.`id_graph` g2 ON g2.id_type = 'email' AND g2.id_value = NULLIF(LOWER(TRIM(NULLIF(CAST(s.`email` AS STRING), ''))), '')
LEFT JOIN `identity`.`id_graph` g3 ON g3.id_type = 'phone' AND g3.id_value = NULLIF(CASE WHEN REGEXP_REPLACE(NULLIF(CAST(s.`phone` AS STRING), ''), '[^0-9]', '') = '' THEN NULL WHEN TRIM(NULLIF(CAST(s.`phone` AS STRING), '')) LIKE '+%' THEN CONCAT('+', REGEXP_REPLACE(NULLIF(CAST(s.`phone` AS STRING), ''), '[^0-9]', '')) WHEN REGEXP_REPLACE(NULLIF(CAST(s.`phone` AS STRING), ''), '[^0-9]', '') LIKE '00%' THEN CONCAT('+', SUBSTR(REGEXP_REPLACE(NULLIF(CAST(s.`phone` AS STRING), ''), '[^0-9]', ''), 3)) WHEN REGEXP_REPLACE(NULLIF(CAST(s.`phone` AS STRING), ''), '[^0-9]', '') LIKE '1%' AND LENGTH(REGEXP_REPLACE(NULLIF(CAST(s.`phone` AS STRING), ''), '[^0-9]', '')) >= 11 THEN CONCAT('+', REGEXP_REPLACE(NULLIF(CAST(s.`phone` AS STRING), ''), '[^0-9]', '')) ELSE CONCAT('+1', LTRIM(REGEXP_REPLACE(NULLIF(CAST(s.`phone` AS STRING), ''), '[^0-9]', ''), '0')) END, '');
CREATE OR REPLACE TABLE `identity_state`.`rows_events` AS SELECT * FROM `identity_state`.`rows_events__next`;
DROP TABLE IF EXISTS `identity_state`.`rows_events__next`;
CREATE OR REPLACE TABLE `identity_state`.`rows_orders` AS SELECT * FROM `identity_state`.`rows_orders__next`;
DROP TABLE IF EXISTS `identity_state`.`rows_orders__next`;
CREATE OR REPLACE TABLE `identity_state`.`rows_crm_contacts` AS SELECT * FROM `identity_state`.`rows_crm_contacts__next`;
DROP TABLE IF EXISTS `identity_state`.`rows_crm_contacts__next`;
CREATE OR REPLACE TABLE `identity_state`.`hubs` AS SELECT * FROM `identity_state`.`hubs__next`;
DROP TABLE IF EXISTS `identity_state`.`hubs__next`;
CREATE OR REPLACE TABLE `identity_state`.`qvalues` AS SELECT * FROM `identity_state`.`qvalues__next`;
DROP TABLE IF EXISTS `identity_state`.`qvalues__next`;
CREATE OR REPLACE TABLE `identity_state`.`regions` AS SELECT * FROM `identity_state`.`regions__next`;
DROP TABLE IF EXISTS `identity_state`.`regions__next`;
DELETE FROM `identity_state`.`meta` WHERE 1 = 1;
INSERT INTO `identity_state`.`meta` (section, fingerprint) VALUES ('audiences', '0abdf2d453a3606d'), ('checks', 'd5d8d0fdc49ed616'), ('degrees', '7fa03e9b3c5c80ec'), ('format', '2bf175f9655e7bb7'), ('id_salt', '99e5095aacce94d0'), ('id_types', 'd839813e2217d229'), ('limits', '{"user_id":1}'), ('policy', '9d2723ef62ce04de'), ('sources', '584bcfa6368755a8'), ('traits', '18b74501ad26436d');
INSERT INTO `identity`.`id_changes` (run_id, changed_at, kind, old_universal_id, new_universal_id, identifiers) SELECT 0, CAST(CURRENT_TIMESTAMP() AS TIMESTAMP), kind, old_universal_id, new_universal_id, identifiers FROM `identity_work`.`changes`;
