-- idstitch plan: project demo, warehouse snowflake, components by contraction
-- The runner also records each run in the runs table; that bookkeeping is not part of this script, and run_id is 0 in what it writes.

-- ===== stage setup: schemas and the run history table
CREATE SCHEMA IF NOT EXISTS "IDENTITY";
CREATE TRANSIENT SCHEMA IF NOT EXISTS "IDENTITY_WORK";
CREATE TABLE IF NOT EXISTS "IDENTITY"."RUNS" (
  run_id BIGINT,
  project VARCHAR,
  started_at TIMESTAMP,
  finished_at TIMESTAMP,
  status VARCHAR,
  mode VARCHAR,
  algorithm VARCHAR,
  rows_read BIGINT,
  nodes BIGINT,
  edges BIGINT,
  components BIGINT,
  largest_component BIGINT,
  rounds BIGINT,
  stage_seconds VARCHAR,
  error VARCHAR,
  quarantined VARCHAR
);
ALTER TABLE "IDENTITY"."RUNS" ADD COLUMN IF NOT EXISTS "QUARANTINED" VARCHAR;
ALTER TABLE "IDENTITY"."RUNS" ADD COLUMN IF NOT EXISTS "ROWS_BY_SOURCE" VARCHAR;
ALTER TABLE "IDENTITY"."RUNS" ADD COLUMN IF NOT EXISTS "WATERMARKS" VARCHAR;
ALTER TABLE "IDENTITY"."RUNS" ADD COLUMN IF NOT EXISTS "COMPONENTS_CHANGED" BIGINT;
-- the published members, read for when each entered
CREATE TABLE IF NOT EXISTS "IDENTITY"."AUDIENCE_MEMBERS" (
  audience VARCHAR,
  universal_id VARCHAR,
  entered_at TIMESTAMP
);
-- every entry into and exit from an audience, across runs
CREATE TABLE IF NOT EXISTS "IDENTITY"."AUDIENCE_HISTORY" (
  audience VARCHAR,
  universal_id VARCHAR,
  entered_at TIMESTAMP,
  exited_at TIMESTAMP,
  run_id BIGINT
);
-- an empty mapping before the first run, so that every run can compare with the last
CREATE TABLE IF NOT EXISTS "IDENTITY"."ID_GRAPH" (
  universal_id VARCHAR,
  id_type VARCHAR,
  id_value VARCHAR,
  first_seen_at TIMESTAMP,
  last_seen_at TIMESTAMP,
  row_count BIGINT,
  node_id BIGINT
);
-- every change of universal ids, across runs
CREATE TABLE IF NOT EXISTS "IDENTITY"."ID_CHANGES" (
  run_id BIGINT,
  changed_at TIMESTAMP,
  kind VARCHAR,
  old_universal_id VARCHAR,
  new_universal_id VARCHAR,
  identifiers BIGINT
);
CREATE SCHEMA IF NOT EXISTS "IDENTITY_STATE";
-- what the stored state was built from
CREATE TABLE IF NOT EXISTS "IDENTITY_STATE"."META" (
  section VARCHAR,
  fingerprint VARCHAR
);

-- ===== stage extract: per source: each row's identifiers, normalized and checked, with their node ids
-- source events (main.events), kept as the rows read so far
CREATE OR REPLACE TABLE "IDENTITY_STATE"."ROWS_EVENTS__NEXT" AS
SELECT e.*, HASH(COALESCE(CAST(ts AS VARCHAR), '∅'), COALESCE(CAST(t1 AS VARCHAR), '∅'), COALESCE(CAST(f1 AS VARCHAR), '∅'), COALESCE(CAST(v1 AS VARCHAR), '∅'), COALESCE(CAST(q1 AS VARCHAR), '∅'), COALESCE(CAST(v2 AS VARCHAR), '∅'), COALESCE(CAST(q2 AS VARCHAR), '∅'), COALESCE(CAST(v3 AS VARCHAR), '∅'), COALESCE(CAST(q3 AS VARCHAR), '∅'), COALESCE(CAST(v4 AS VARCHAR), '∅'), COALESCE(CAST(q4 AS VARCHAR), '∅')) AS row_hash
FROM (
SELECT
  ts,
  t1,
  f1,
  v1,
  q1,
  CASE WHEN v1 IS NULL OR q1 IS NOT NULL THEN NULL ELSE HASH('user_id', v1) END AS n1,
  v2,
  q2,
  CASE WHEN v2 IS NULL OR q2 IS NOT NULL THEN NULL ELSE HASH('email', v2) END AS n2,
  v3,
  q3,
  CASE WHEN v3 IS NULL OR q3 IS NOT NULL THEN NULL ELSE HASH('device_id', v3) END AS n3,
  v4,
  q4,
  CASE WHEN v4 IS NULL OR q4 IS NOT NULL THEN NULL ELSE HASH('anonymous_id', v4) END AS n4
FROM (
  SELECT
    ts,
    t1,
    f1,
    v1,
    CASE WHEN v1 IS NULL THEN NULL WHEN LOWER(v1) IN ('null', 'none', 'undefined', 'nan', 'n/a', '0', '-1', 'unknown', 'anonymous', '00000000-0000-0000-0000-000000000000') THEN 'blocked' END AS q1,
    v2,
    CASE WHEN v2 IS NULL THEN NULL WHEN LOWER(v2) IN ('null', 'none', 'undefined', 'nan', 'n/a', '0', '-1', 'unknown', 'anonymous', '00000000-0000-0000-0000-000000000000') THEN 'blocked' WHEN v2 IN ('test@test.com') THEN 'blocked' WHEN NOT (REGEXP_INSTR(v2, '^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$') > 0) THEN 'invalid' END AS q2,
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
        CAST("TS" AS TIMESTAMP) AS ts,
        CAST(NULL AS BIGINT) AS t1,
        CASE WHEN (event_type = 'cart_abandoned') AND CAST("TS" AS TIMESTAMP) >= DATEADD(day, -90, SYSDATE()) THEN 1 ELSE 0 END AS f1,
        NULLIF(CAST("USER_ID" AS VARCHAR), '') AS r1,
        NULLIF(CAST("EMAIL" AS VARCHAR), '') AS r2,
        NULLIF(CAST("DEVICE_ID" AS VARCHAR), '') AS r3,
        NULLIF(CAST("ANONYMOUS_ID" AS VARCHAR), '') AS r4
      FROM "MAIN"."EVENTS"
    ) r
  ) v
) s
) e;
-- source orders (main.orders), kept as the rows read so far
CREATE OR REPLACE TABLE "IDENTITY_STATE"."ROWS_ORDERS__NEXT" AS
SELECT e.*, HASH(COALESCE(CAST(ts AS VARCHAR), '∅'), COALESCE(CAST(t1 AS VARCHAR), '∅'), COALESCE(CAST(f1 AS VARCHAR), '∅'), COALESCE(CAST(t2 AS VARCHAR), '∅'), COALESCE(CAST(f2 AS VARCHAR), '∅'), COALESCE(CAST(t3 AS VARCHAR), '∅'), COALESCE(CAST(f3 AS VARCHAR), '∅'), COALESCE(CAST(v1 AS VARCHAR), '∅'), COALESCE(CAST(q1 AS VARCHAR), '∅'), COALESCE(CAST(v2 AS VARCHAR), '∅'), COALESCE(CAST(q2 AS VARCHAR), '∅'), COALESCE(CAST(v3 AS VARCHAR), '∅'), COALESCE(CAST(q3 AS VARCHAR), '∅'), COALESCE(CAST(v4 AS VARCHAR), '∅'), COALESCE(CAST(q4 AS VARCHAR), '∅')) AS row_hash
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
  CASE WHEN v1 IS NULL OR q1 IS NOT NULL THEN NULL ELSE HASH('user_id', v1) END AS n1,
  v2,
  q2,
  CASE WHEN v2 IS NULL OR q2 IS NOT NULL THEN NULL ELSE HASH('email', v2) END AS n2,
  v3,
  q3,
  CASE WHEN v3 IS NULL OR q3 IS NOT NULL THEN NULL ELSE HASH('email', v3) END AS n3,
  v4,
  q4,
  CASE WHEN v4 IS NULL OR q4 IS NOT NULL THEN NULL ELSE HASH('phone', v4) END AS n4
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
    CASE WHEN v2 IS NULL THEN NULL WHEN LOWER(v2) IN ('null', 'none', 'undefined', 'nan', 'n/a', '0', '-1', 'unknown', 'anonymous', '00000000-0000-0000-0000-000000000000') THEN 'blocked' WHEN v2 IN ('test@test.com') THEN 'blocked' WHEN NOT (REGEXP_INSTR(v2, '^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$') > 0) THEN 'invalid' END AS q2,
    v3,
    CASE WHEN v3 IS NULL THEN NULL WHEN LOWER(v3) IN ('null', 'none', 'undefined', 'nan', 'n/a', '0', '-1', 'unknown', 'anonymous', '00000000-0000-0000-0000-000000000000') THEN 'blocked' WHEN v3 IN ('test@test.com') THEN 'blocked' WHEN NOT (REGEXP_INSTR(v3, '^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$') > 0) THEN 'invalid' END AS q3,
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
      NULLIF(CASE WHEN REGEXP_REPLACE(r4, '[^0-9]', '') = '' THEN NULL WHEN TRIM(r4) LIKE '+%' THEN ('+' || REGEXP_REPLACE(r4, '[^0-9]', '')) WHEN REGEXP_REPLACE(r4, '[^0-9]', '') LIKE '00%' THEN ('+' || SUBSTR(REGEXP_REPLACE(r4, '[^0-9]', ''), 3)) WHEN REGEXP_REPLACE(r4, '[^0-9]', '') LIKE '1%' AND LENGTH(REGEXP_REPLACE(r4, '[^0-9]', '')) >= 11 THEN ('+' || REGEXP_REPLACE(r4, '[^0-9]', '')) ELSE ('+1' || LTRIM(REGEXP_REPLACE(r4, '[^0-9]', ''), '0')) END, '') AS v4
    FROM (
      SELECT
        CAST("TS" AS TIMESTAMP) AS ts,
        "REVENUE" AS t1,
        1 AS f1,
        CAST(NULL AS BIGINT) AS t2,
        1 AS f2,
        "TS" AS t3,
        1 AS f3,
        NULLIF(CAST("USER_ID" AS VARCHAR), '') AS r1,
        NULLIF(CAST("EMAIL" AS VARCHAR), '') AS r2,
        NULLIF(CAST("BILLING_EMAIL" AS VARCHAR), '') AS r3,
        NULLIF(CAST("PHONE" AS VARCHAR), '') AS r4
      FROM "MAIN"."ORDERS"
    ) r
  ) v
) s
) e;
-- source crm_contacts (main.crm_contacts), kept as the rows read so far
CREATE OR REPLACE TABLE "IDENTITY_STATE"."ROWS_CRM_CONTACTS__NEXT" AS
SELECT e.*, HASH(COALESCE(CAST(ts AS VARCHAR), '∅'), COALESCE(CAST(v1 AS VARCHAR), '∅'), COALESCE(CAST(q1 AS VARCHAR), '∅'), COALESCE(CAST(v2 AS VARCHAR), '∅'), COALESCE(CAST(q2 AS VARCHAR), '∅'), COALESCE(CAST(v3 AS VARCHAR), '∅'), COALESCE(CAST(q3 AS VARCHAR), '∅')) AS row_hash
FROM (
SELECT
  ts,
  v1,
  q1,
  CASE WHEN v1 IS NULL OR q1 IS NOT NULL THEN NULL ELSE HASH('user_id', v1) END AS n1,
  v2,
  q2,
  CASE WHEN v2 IS NULL OR q2 IS NOT NULL THEN NULL ELSE HASH('email', v2) END AS n2,
  v3,
  q3,
  CASE WHEN v3 IS NULL OR q3 IS NOT NULL THEN NULL ELSE HASH('phone', v3) END AS n3
FROM (
  SELECT
    ts,
    v1,
    CASE WHEN v1 IS NULL THEN NULL WHEN LOWER(v1) IN ('null', 'none', 'undefined', 'nan', 'n/a', '0', '-1', 'unknown', 'anonymous', '00000000-0000-0000-0000-000000000000') THEN 'blocked' END AS q1,
    v2,
    CASE WHEN v2 IS NULL THEN NULL WHEN LOWER(v2) IN ('null', 'none', 'undefined', 'nan', 'n/a', '0', '-1', 'unknown', 'anonymous', '00000000-0000-0000-0000-000000000000') THEN 'blocked' WHEN v2 IN ('test@test.com') THEN 'blocked' WHEN NOT (REGEXP_INSTR(v2, '^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$') > 0) THEN 'invalid' END AS q2,
    v3,
    CASE WHEN v3 IS NULL THEN NULL WHEN LOWER(v3) IN ('null', 'none', 'undefined', 'nan', 'n/a', '0', '-1', 'unknown', 'anonymous', '00000000-0000-0000-0000-000000000000') THEN 'blocked' END AS q3
  FROM (
    SELECT
      ts,
      NULLIF(r1, '') AS v1,
      NULLIF(LOWER(TRIM(r2)), '') AS v2,
      NULLIF(CASE WHEN REGEXP_REPLACE(r3, '[^0-9]', '') = '' THEN NULL WHEN TRIM(r3) LIKE '+%' THEN ('+' || REGEXP_REPLACE(r3, '[^0-9]', '')) WHEN REGEXP_REPLACE(r3, '[^0-9]', '') LIKE '00%' THEN ('+' || SUBSTR(REGEXP_REPLACE(r3, '[^0-9]', ''), 3)) WHEN REGEXP_REPLACE(r3, '[^0-9]', '') LIKE '1%' AND LENGTH(REGEXP_REPLACE(r3, '[^0-9]', '')) >= 11 THEN ('+' || REGEXP_REPLACE(r3, '[^0-9]', '')) ELSE ('+1' || LTRIM(REGEXP_REPLACE(r3, '[^0-9]', ''), '0')) END, '') AS v3
    FROM (
      SELECT
        CAST("UPDATED_AT" AS TIMESTAMP) AS ts,
        NULLIF(CAST("USER_ID" AS VARCHAR), '') AS r1,
        NULLIF(CAST("EMAIL" AS VARCHAR), '') AS r2,
        NULLIF(CAST("PHONE" AS VARCHAR), '') AS r3
      FROM "MAIN"."CRM_CONTACTS"
    ) r
  ) v
) s
) e;

-- ===== stage nodes: distinct (id_type, value) with a 64-bit node id
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."NODES" AS
SELECT node_id, id_type, id_value, type_rank,
  MIN(ts) AS first_seen_at, MAX(ts) AS last_seen_at, COUNT(*) AS row_count
FROM (
  SELECT n1 AS node_id, 'user_id' AS id_type, v1 AS id_value, 0 AS type_rank, ts
  FROM "IDENTITY_STATE"."ROWS_EVENTS__NEXT" WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 AS node_id, 'email' AS id_type, v2 AS id_value, 1 AS type_rank, ts
  FROM "IDENTITY_STATE"."ROWS_EVENTS__NEXT" WHERE n2 IS NOT NULL
  UNION ALL SELECT n3 AS node_id, 'device_id' AS id_type, v3 AS id_value, 3 AS type_rank, ts
  FROM "IDENTITY_STATE"."ROWS_EVENTS__NEXT" WHERE n3 IS NOT NULL
  UNION ALL SELECT n4 AS node_id, 'anonymous_id' AS id_type, v4 AS id_value, 4 AS type_rank, ts
  FROM "IDENTITY_STATE"."ROWS_EVENTS__NEXT" WHERE n4 IS NOT NULL
  UNION ALL SELECT n1 AS node_id, 'user_id' AS id_type, v1 AS id_value, 0 AS type_rank, ts
  FROM "IDENTITY_STATE"."ROWS_ORDERS__NEXT" WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 AS node_id, 'email' AS id_type, v2 AS id_value, 1 AS type_rank, ts
  FROM "IDENTITY_STATE"."ROWS_ORDERS__NEXT" WHERE n2 IS NOT NULL
  UNION ALL SELECT n3 AS node_id, 'email' AS id_type, v3 AS id_value, 1 AS type_rank, ts
  FROM "IDENTITY_STATE"."ROWS_ORDERS__NEXT" WHERE n3 IS NOT NULL
  UNION ALL SELECT n4 AS node_id, 'phone' AS id_type, v4 AS id_value, 2 AS type_rank, ts
  FROM "IDENTITY_STATE"."ROWS_ORDERS__NEXT" WHERE n4 IS NOT NULL
  UNION ALL SELECT n1 AS node_id, 'user_id' AS id_type, v1 AS id_value, 0 AS type_rank, ts
  FROM "IDENTITY_STATE"."ROWS_CRM_CONTACTS__NEXT" WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 AS node_id, 'email' AS id_type, v2 AS id_value, 1 AS type_rank, ts
  FROM "IDENTITY_STATE"."ROWS_CRM_CONTACTS__NEXT" WHERE n2 IS NOT NULL
  UNION ALL SELECT n3 AS node_id, 'phone' AS id_type, v3 AS id_value, 2 AS type_rank, ts
  FROM "IDENTITY_STATE"."ROWS_CRM_CONTACTS__NEXT" WHERE n3 IS NOT NULL
) i
GROUP BY node_id, id_type, id_value, type_rank;
-- two distinct identifiers must never share a node id
-- check: this count must be 0, else: two different identifiers hashed to the same 64-bit node id; the run stopped so that they are not merged (report this as a bug with the warehouse type)
SELECT COUNT(*) FROM (
  SELECT node_id FROM "IDENTITY_WORK"."NODES" GROUP BY node_id HAVING COUNT(*) > 1
) c;

-- ===== stage guards: values that are invalid or blocked, and hubs, are kept out of the graph
-- invalid and blocked values
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."QUARANTINE_VALUES" AS
SELECT id_type, id_value, reason, COUNT(*) AS evidence
FROM (
  SELECT 'user_id' AS id_type, v1 AS id_value, q1 AS reason
  FROM "IDENTITY_STATE"."ROWS_EVENTS__NEXT" WHERE q1 IS NOT NULL
  UNION ALL SELECT 'email' AS id_type, v2 AS id_value, q2 AS reason
  FROM "IDENTITY_STATE"."ROWS_EVENTS__NEXT" WHERE q2 IS NOT NULL
  UNION ALL SELECT 'device_id' AS id_type, v3 AS id_value, q3 AS reason
  FROM "IDENTITY_STATE"."ROWS_EVENTS__NEXT" WHERE q3 IS NOT NULL
  UNION ALL SELECT 'anonymous_id' AS id_type, v4 AS id_value, q4 AS reason
  FROM "IDENTITY_STATE"."ROWS_EVENTS__NEXT" WHERE q4 IS NOT NULL
  UNION ALL SELECT 'user_id' AS id_type, v1 AS id_value, q1 AS reason
  FROM "IDENTITY_STATE"."ROWS_ORDERS__NEXT" WHERE q1 IS NOT NULL
  UNION ALL SELECT 'email' AS id_type, v2 AS id_value, q2 AS reason
  FROM "IDENTITY_STATE"."ROWS_ORDERS__NEXT" WHERE q2 IS NOT NULL
  UNION ALL SELECT 'email' AS id_type, v3 AS id_value, q3 AS reason
  FROM "IDENTITY_STATE"."ROWS_ORDERS__NEXT" WHERE q3 IS NOT NULL
  UNION ALL SELECT 'phone' AS id_type, v4 AS id_value, q4 AS reason
  FROM "IDENTITY_STATE"."ROWS_ORDERS__NEXT" WHERE q4 IS NOT NULL
  UNION ALL SELECT 'user_id' AS id_type, v1 AS id_value, q1 AS reason
  FROM "IDENTITY_STATE"."ROWS_CRM_CONTACTS__NEXT" WHERE q1 IS NOT NULL
  UNION ALL SELECT 'email' AS id_type, v2 AS id_value, q2 AS reason
  FROM "IDENTITY_STATE"."ROWS_CRM_CONTACTS__NEXT" WHERE q2 IS NOT NULL
  UNION ALL SELECT 'phone' AS id_type, v3 AS id_value, q3 AS reason
  FROM "IDENTITY_STATE"."ROWS_CRM_CONTACTS__NEXT" WHERE q3 IS NOT NULL
) q
GROUP BY id_type, id_value, reason;
-- hubs: identifiers seen with more distinct identifiers than their type's max_degree
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."HUBS" AS
SELECT node_id, degree
FROM (
  SELECT node AS node_id, max_degree, COUNT(DISTINCT other) AS degree
  FROM (
    SELECT n2 AS node, n1 AS other, 30 AS max_degree
    FROM "IDENTITY_STATE"."ROWS_EVENTS__NEXT" WHERE n2 IS NOT NULL AND n1 IS NOT NULL AND n2 <> n1
    UNION ALL SELECT n2 AS node, n3 AS other, 30 AS max_degree
    FROM "IDENTITY_STATE"."ROWS_EVENTS__NEXT" WHERE n2 IS NOT NULL AND n3 IS NOT NULL AND n2 <> n3
    UNION ALL SELECT n2 AS node, n4 AS other, 30 AS max_degree
    FROM "IDENTITY_STATE"."ROWS_EVENTS__NEXT" WHERE n2 IS NOT NULL AND n4 IS NOT NULL AND n2 <> n4
    UNION ALL SELECT n3 AS node, n1 AS other, 10 AS max_degree
    FROM "IDENTITY_STATE"."ROWS_EVENTS__NEXT" WHERE n3 IS NOT NULL AND n1 IS NOT NULL AND n3 <> n1
    UNION ALL SELECT n3 AS node, n2 AS other, 10 AS max_degree
    FROM "IDENTITY_STATE"."ROWS_EVENTS__NEXT" WHERE n3 IS NOT NULL AND n2 IS NOT NULL AND n3 <> n2
    UNION ALL SELECT n3 AS node, n4 AS other, 10 AS max_degree
    FROM "IDENTITY_STATE"."ROWS_EVENTS__NEXT" WHERE n3 IS NOT NULL AND n4 IS NOT NULL AND n3 <> n4
    UNION ALL SELECT n2 AS node, n1 AS other, 30 AS max_degree
    FROM "IDENTITY_STATE"."ROWS_ORDERS__NEXT" WHERE n2 IS NOT NULL AND n1 IS NOT NULL AND n2 <> n1
    UNION ALL SELECT n2 AS node, n3 AS other, 30 AS max_degree
    FROM "IDENTITY_STATE"."ROWS_ORDERS__NEXT" WHERE n2 IS NOT NULL AND n3 IS NOT NULL AND n2 <> n3
    UNION ALL SELECT n2 AS node, n4 AS other, 30 AS max_degree
    FROM "IDENTITY_STATE"."ROWS_ORDERS__NEXT" WHERE n2 IS NOT NULL AND n4 IS NOT NULL AND n2 <> n4
    UNION ALL SELECT n3 AS node, n1 AS other, 30 AS max_degree
    FROM "IDENTITY_STATE"."ROWS_ORDERS__NEXT" WHERE n3 IS NOT NULL AND n1 IS NOT NULL AND n3 <> n1
    UNION ALL SELECT n3 AS node, n2 AS other, 30 AS max_degree
    FROM "IDENTITY_STATE"."ROWS_ORDERS__NEXT" WHERE n3 IS NOT NULL AND n2 IS NOT NULL AND n3 <> n2
    UNION ALL SELECT n3 AS node, n4 AS other, 30 AS max_degree
    FROM "IDENTITY_STATE"."ROWS_ORDERS__NEXT" WHERE n3 IS NOT NULL AND n4 IS NOT NULL AND n3 <> n4
    UNION ALL SELECT n4 AS node, n1 AS other, 10 AS max_degree
    FROM "IDENTITY_STATE"."ROWS_ORDERS__NEXT" WHERE n4 IS NOT NULL AND n1 IS NOT NULL AND n4 <> n1
    UNION ALL SELECT n4 AS node, n2 AS other, 10 AS max_degree
    FROM "IDENTITY_STATE"."ROWS_ORDERS__NEXT" WHERE n4 IS NOT NULL AND n2 IS NOT NULL AND n4 <> n2
    UNION ALL SELECT n4 AS node, n3 AS other, 10 AS max_degree
    FROM "IDENTITY_STATE"."ROWS_ORDERS__NEXT" WHERE n4 IS NOT NULL AND n3 IS NOT NULL AND n4 <> n3
    UNION ALL SELECT n2 AS node, n1 AS other, 30 AS max_degree
    FROM "IDENTITY_STATE"."ROWS_CRM_CONTACTS__NEXT" WHERE n2 IS NOT NULL AND n1 IS NOT NULL AND n2 <> n1
    UNION ALL SELECT n2 AS node, n3 AS other, 30 AS max_degree
    FROM "IDENTITY_STATE"."ROWS_CRM_CONTACTS__NEXT" WHERE n2 IS NOT NULL AND n3 IS NOT NULL AND n2 <> n3
    UNION ALL SELECT n3 AS node, n1 AS other, 10 AS max_degree
    FROM "IDENTITY_STATE"."ROWS_CRM_CONTACTS__NEXT" WHERE n3 IS NOT NULL AND n1 IS NOT NULL AND n3 <> n1
    UNION ALL SELECT n3 AS node, n2 AS other, 10 AS max_degree
    FROM "IDENTITY_STATE"."ROWS_CRM_CONTACTS__NEXT" WHERE n3 IS NOT NULL AND n2 IS NOT NULL AND n3 <> n2
  ) p
  GROUP BY node, max_degree
) d
WHERE degree > max_degree;
-- source events without its hubs
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."KEPT_EVENTS" AS
SELECT ts,
  CASE WHEN n1 IN (SELECT node_id FROM "IDENTITY_WORK"."HUBS") THEN NULL ELSE n1 END AS n1,
  CASE WHEN n2 IN (SELECT node_id FROM "IDENTITY_WORK"."HUBS") THEN NULL ELSE n2 END AS n2,
  CASE WHEN n3 IN (SELECT node_id FROM "IDENTITY_WORK"."HUBS") THEN NULL ELSE n3 END AS n3,
  CASE WHEN n4 IN (SELECT node_id FROM "IDENTITY_WORK"."HUBS") THEN NULL ELSE n4 END AS n4
FROM "IDENTITY_STATE"."ROWS_EVENTS__NEXT";
-- source orders without its hubs
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."KEPT_ORDERS" AS
SELECT ts,
  CASE WHEN n1 IN (SELECT node_id FROM "IDENTITY_WORK"."HUBS") THEN NULL ELSE n1 END AS n1,
  CASE WHEN n2 IN (SELECT node_id FROM "IDENTITY_WORK"."HUBS") THEN NULL ELSE n2 END AS n2,
  CASE WHEN n3 IN (SELECT node_id FROM "IDENTITY_WORK"."HUBS") THEN NULL ELSE n3 END AS n3,
  CASE WHEN n4 IN (SELECT node_id FROM "IDENTITY_WORK"."HUBS") THEN NULL ELSE n4 END AS n4
FROM "IDENTITY_STATE"."ROWS_ORDERS__NEXT";
-- source crm_contacts without its hubs
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."KEPT_CRM_CONTACTS" AS
SELECT ts,
  CASE WHEN n1 IN (SELECT node_id FROM "IDENTITY_WORK"."HUBS") THEN NULL ELSE n1 END AS n1,
  CASE WHEN n2 IN (SELECT node_id FROM "IDENTITY_WORK"."HUBS") THEN NULL ELSE n2 END AS n2,
  CASE WHEN n3 IN (SELECT node_id FROM "IDENTITY_WORK"."HUBS") THEN NULL ELSE n3 END AS n3
FROM "IDENTITY_STATE"."ROWS_CRM_CONTACTS__NEXT";

-- ===== stage edges: identifiers on one row are linked as a star from the row's first identifier
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."EDGES" AS
SELECT a, b, CAST(SUM(n) AS BIGINT) AS row_count, MIN(first_seen_at) AS first_seen_at, MAX(last_seen_at) AS last_seen_at,
  LISTAGG(source, ',') WITHIN GROUP (ORDER BY source) AS sources
FROM (
  SELECT LEAST(a, b) AS a, GREATEST(a, b) AS b, source, COUNT(*) AS n, MIN(ts) AS first_seen_at, MAX(ts) AS last_seen_at
  FROM (
    SELECT COALESCE(n1, n2, n3, n4) AS a, n2 AS b, ts, 'events' AS source
    FROM "IDENTITY_WORK"."KEPT_EVENTS" WHERE n2 IS NOT NULL AND n2 <> COALESCE(n1, n2, n3, n4)
    UNION ALL SELECT COALESCE(n1, n2, n3, n4) AS a, n3 AS b, ts, 'events' AS source
    FROM "IDENTITY_WORK"."KEPT_EVENTS" WHERE n3 IS NOT NULL AND n3 <> COALESCE(n1, n2, n3, n4)
    UNION ALL SELECT COALESCE(n1, n2, n3, n4) AS a, n4 AS b, ts, 'events' AS source
    FROM "IDENTITY_WORK"."KEPT_EVENTS" WHERE n4 IS NOT NULL AND n4 <> COALESCE(n1, n2, n3, n4)
    UNION ALL SELECT COALESCE(n1, n2, n3, n4) AS a, n2 AS b, ts, 'orders' AS source
    FROM "IDENTITY_WORK"."KEPT_ORDERS" WHERE n2 IS NOT NULL AND n2 <> COALESCE(n1, n2, n3, n4)
    UNION ALL SELECT COALESCE(n1, n2, n3, n4) AS a, n3 AS b, ts, 'orders' AS source
    FROM "IDENTITY_WORK"."KEPT_ORDERS" WHERE n3 IS NOT NULL AND n3 <> COALESCE(n1, n2, n3, n4)
    UNION ALL SELECT COALESCE(n1, n2, n3, n4) AS a, n4 AS b, ts, 'orders' AS source
    FROM "IDENTITY_WORK"."KEPT_ORDERS" WHERE n4 IS NOT NULL AND n4 <> COALESCE(n1, n2, n3, n4)
    UNION ALL SELECT COALESCE(n1, n2, n3) AS a, n2 AS b, ts, 'crm_contacts' AS source
    FROM "IDENTITY_WORK"."KEPT_CRM_CONTACTS" WHERE n2 IS NOT NULL AND n2 <> COALESCE(n1, n2, n3)
    UNION ALL SELECT COALESCE(n1, n2, n3) AS a, n3 AS b, ts, 'crm_contacts' AS source
    FROM "IDENTITY_WORK"."KEPT_CRM_CONTACTS" WHERE n3 IS NOT NULL AND n3 <> COALESCE(n1, n2, n3)
  ) e
  GROUP BY LEAST(a, b), GREATEST(a, b), source
) per_source
GROUP BY a, b;

-- ===== stage components: connected components by randomised contraction
-- round 0: the graph's edges
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."CC_EDGES_0" AS
SELECT e.a, e.b FROM "IDENTITY_WORK"."EDGES" e;

-- rounds 1 to 3; the runner stops when the count below reaches 0 (edges left)
-- round 1: every node picks the neighbour (or itself) with the smallest hash
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."CC_MAP_1" AS
SELECT v, MIN_BY(u, HASH(u, 1)) AS rep
FROM (
  SELECT a AS v, b AS u FROM "IDENTITY_WORK"."CC_EDGES_0"
  UNION ALL SELECT b AS v, a AS u FROM "IDENTITY_WORK"."CC_EDGES_0"
  UNION ALL SELECT a AS v, a AS u FROM "IDENTITY_WORK"."CC_EDGES_0"
  UNION ALL SELECT b AS v, b AS u FROM "IDENTITY_WORK"."CC_EDGES_0"
) n
GROUP BY v;
-- round 1: rewrite edges onto representatives; drop self-loops
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."CC_EDGES_1" AS
SELECT DISTINCT LEAST(ma.rep, mb.rep) AS a, GREATEST(ma.rep, mb.rep) AS b
FROM "IDENTITY_WORK"."CC_EDGES_0" e
JOIN "IDENTITY_WORK"."CC_MAP_1" ma ON e.a = ma.v
JOIN "IDENTITY_WORK"."CC_MAP_1" mb ON e.b = mb.v
WHERE ma.rep <> mb.rep;
DROP TABLE IF EXISTS "IDENTITY_WORK"."CC_EDGES_0";
-- round 2: every node picks the neighbour (or itself) with the smallest hash
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."CC_MAP_2" AS
SELECT v, MIN_BY(u, HASH(u, 2)) AS rep
FROM (
  SELECT a AS v, b AS u FROM "IDENTITY_WORK"."CC_EDGES_1"
  UNION ALL SELECT b AS v, a AS u FROM "IDENTITY_WORK"."CC_EDGES_1"
  UNION ALL SELECT a AS v, a AS u FROM "IDENTITY_WORK"."CC_EDGES_1"
  UNION ALL SELECT b AS v, b AS u FROM "IDENTITY_WORK"."CC_EDGES_1"
) n
GROUP BY v;
-- round 2: rewrite edges onto representatives; drop self-loops
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."CC_EDGES_2" AS
SELECT DISTINCT LEAST(ma.rep, mb.rep) AS a, GREATEST(ma.rep, mb.rep) AS b
FROM "IDENTITY_WORK"."CC_EDGES_1" e
JOIN "IDENTITY_WORK"."CC_MAP_2" ma ON e.a = ma.v
JOIN "IDENTITY_WORK"."CC_MAP_2" mb ON e.b = mb.v
WHERE ma.rep <> mb.rep;
DROP TABLE IF EXISTS "IDENTITY_WORK"."CC_EDGES_1";
-- round 3: every node picks the neighbour (or itself) with the smallest hash
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."CC_MAP_3" AS
SELECT v, MIN_BY(u, HASH(u, 3)) AS rep
FROM (
  SELECT a AS v, b AS u FROM "IDENTITY_WORK"."CC_EDGES_2"
  UNION ALL SELECT b AS v, a AS u FROM "IDENTITY_WORK"."CC_EDGES_2"
  UNION ALL SELECT a AS v, a AS u FROM "IDENTITY_WORK"."CC_EDGES_2"
  UNION ALL SELECT b AS v, b AS u FROM "IDENTITY_WORK"."CC_EDGES_2"
) n
GROUP BY v;
-- round 3: rewrite edges onto representatives; drop self-loops
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."CC_EDGES_3" AS
SELECT DISTINCT LEAST(ma.rep, mb.rep) AS a, GREATEST(ma.rep, mb.rep) AS b
FROM "IDENTITY_WORK"."CC_EDGES_2" e
JOIN "IDENTITY_WORK"."CC_MAP_3" ma ON e.a = ma.v
JOIN "IDENTITY_WORK"."CC_MAP_3" mb ON e.b = mb.v
WHERE ma.rep <> mb.rep;
DROP TABLE IF EXISTS "IDENTITY_WORK"."CC_EDGES_2";
-- 3 rounds must have been enough
-- check: this count must be 0, else: the loop did not finish in the unrolled rounds; compile with more --rounds
SELECT COUNT(*) FROM "IDENTITY_WORK"."CC_EDGES_3";
-- compose the 3 round maps, last to first
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."CC_REP_3" AS
SELECT v, rep FROM "IDENTITY_WORK"."CC_MAP_3";
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."CC_REP_2" AS
SELECT m.v, COALESCE(r.rep, m.rep) AS rep
FROM "IDENTITY_WORK"."CC_MAP_2" m
LEFT JOIN "IDENTITY_WORK"."CC_REP_3" r ON m.rep = r.v;
DROP TABLE IF EXISTS "IDENTITY_WORK"."CC_REP_3";
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."CC_REP_1" AS
SELECT m.v, COALESCE(r.rep, m.rep) AS rep
FROM "IDENTITY_WORK"."CC_MAP_1" m
LEFT JOIN "IDENTITY_WORK"."CC_REP_2" r ON m.rep = r.v;
DROP TABLE IF EXISTS "IDENTITY_WORK"."CC_REP_2";
-- label: the smallest node id of the component, whatever the random choices
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."LABELS" AS
SELECT v AS node_id, MIN(v) OVER (PARTITION BY rep) AS component
FROM "IDENTITY_WORK"."CC_REP_1";
DROP TABLE IF EXISTS "IDENTITY_WORK"."CC_REP_1";
DROP TABLE IF EXISTS "IDENTITY_WORK"."CC_EDGES_3";
DROP TABLE IF EXISTS "IDENTITY_WORK"."CC_MAP_1";
DROP TABLE IF EXISTS "IDENTITY_WORK"."CC_MAP_2";
DROP TABLE IF EXISTS "IDENTITY_WORK"."CC_MAP_3";
-- the partition that the limits and policies below refine
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."GROUPS_0" AS
SELECT n.node_id, COALESCE(l.component, n.node_id) AS grp
FROM "IDENTITY_WORK"."NODES" n
LEFT JOIN "IDENTITY_WORK"."LABELS" l ON n.node_id = l.node_id
WHERE 1 = 1
  AND n.node_id NOT IN (SELECT node_id FROM "IDENTITY_WORK"."HUBS");

-- ===== stage limit_user_id: at most 1 user_id per profile: split the profiles that hold more
-- profiles over the limit
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."LIM_VIOLATING" AS
SELECT g.grp
FROM "IDENTITY_WORK"."GROUPS_0" g
JOIN "IDENTITY_WORK"."NODES" n ON g.node_id = n.node_id
WHERE n.id_type = 'user_id'
GROUP BY g.grp
HAVING COUNT(*) > 1;
-- their links, both ways
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."LIM_EDGES" AS
SELECT u, v, row_count, last_seen_at
FROM (
  SELECT e.a AS u, e.b AS v, e.row_count, e.last_seen_at, ga.grp AS gu, gb.grp AS gv
  FROM "IDENTITY_WORK"."EDGES" e
  JOIN "IDENTITY_WORK"."GROUPS_0" ga ON e.a = ga.node_id
  JOIN "IDENTITY_WORK"."GROUPS_0" gb ON e.b = gb.node_id
  UNION ALL
  SELECT e.b AS u, e.a AS v, e.row_count, e.last_seen_at, gb.grp AS gu, ga.grp AS gv
  FROM "IDENTITY_WORK"."EDGES" e
  JOIN "IDENTITY_WORK"."GROUPS_0" ga ON e.a = ga.node_id
  JOIN "IDENTITY_WORK"."GROUPS_0" gb ON e.b = gb.node_id
) d
WHERE gu = gv AND gu IN (SELECT grp FROM "IDENTITY_WORK"."LIM_VIOLATING");
-- their identifiers of this type are the anchors
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."LIM_SEEN_0" AS
SELECT g.node_id AS node, g.node_id AS anchor, 0 AS anchors
FROM "IDENTITY_WORK"."GROUPS_0" g
JOIN "IDENTITY_WORK"."NODES" n ON g.node_id = n.node_id
WHERE n.id_type = 'user_id' AND g.grp IN (SELECT grp FROM "IDENTITY_WORK"."LIM_VIOLATING");
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."LIM_FRONT_0" AS
SELECT node, anchor, anchors FROM "IDENTITY_WORK"."LIM_SEEN_0";

-- rounds 1 to 3; the runner stops when the count below reaches 0 (identifiers reached)
-- ring 1: each identifier next to the last ring joins its best anchor (more rows, then more recent, then anchor value)
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."LIM_FRONT_1" AS
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
    FROM "IDENTITY_WORK"."LIM_EDGES" e
    JOIN "IDENTITY_WORK"."LIM_FRONT_0" f ON e.u = f.node
    JOIN "IDENTITY_WORK"."NODES" a ON f.anchor = a.node_id
    WHERE e.v NOT IN (SELECT node FROM "IDENTITY_WORK"."LIM_SEEN_0")
    GROUP BY e.v, f.anchor, a.id_value
  ) c
) r
WHERE pos = 1;
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."LIM_SEEN_1" AS
SELECT node, anchor, anchors FROM "IDENTITY_WORK"."LIM_SEEN_0"
UNION ALL
SELECT node, anchor, anchors FROM "IDENTITY_WORK"."LIM_FRONT_1";
DROP TABLE IF EXISTS "IDENTITY_WORK"."LIM_FRONT_0";
DROP TABLE IF EXISTS "IDENTITY_WORK"."LIM_SEEN_0";
-- ring 2: each identifier next to the last ring joins its best anchor (more rows, then more recent, then anchor value)
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."LIM_FRONT_2" AS
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
    FROM "IDENTITY_WORK"."LIM_EDGES" e
    JOIN "IDENTITY_WORK"."LIM_FRONT_1" f ON e.u = f.node
    JOIN "IDENTITY_WORK"."NODES" a ON f.anchor = a.node_id
    WHERE e.v NOT IN (SELECT node FROM "IDENTITY_WORK"."LIM_SEEN_1")
    GROUP BY e.v, f.anchor, a.id_value
  ) c
) r
WHERE pos = 1;
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."LIM_SEEN_2" AS
SELECT node, anchor, anchors FROM "IDENTITY_WORK"."LIM_SEEN_1"
UNION ALL
SELECT node, anchor, anchors FROM "IDENTITY_WORK"."LIM_FRONT_2";
DROP TABLE IF EXISTS "IDENTITY_WORK"."LIM_FRONT_1";
DROP TABLE IF EXISTS "IDENTITY_WORK"."LIM_SEEN_1";
-- ring 3: each identifier next to the last ring joins its best anchor (more rows, then more recent, then anchor value)
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."LIM_FRONT_3" AS
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
    FROM "IDENTITY_WORK"."LIM_EDGES" e
    JOIN "IDENTITY_WORK"."LIM_FRONT_2" f ON e.u = f.node
    JOIN "IDENTITY_WORK"."NODES" a ON f.anchor = a.node_id
    WHERE e.v NOT IN (SELECT node FROM "IDENTITY_WORK"."LIM_SEEN_2")
    GROUP BY e.v, f.anchor, a.id_value
  ) c
) r
WHERE pos = 1;
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."LIM_SEEN_3" AS
SELECT node, anchor, anchors FROM "IDENTITY_WORK"."LIM_SEEN_2"
UNION ALL
SELECT node, anchor, anchors FROM "IDENTITY_WORK"."LIM_FRONT_3";
DROP TABLE IF EXISTS "IDENTITY_WORK"."LIM_FRONT_2";
DROP TABLE IF EXISTS "IDENTITY_WORK"."LIM_SEEN_2";
-- 3 rounds must have been enough
-- check: this count must be 0, else: the loop did not finish in the unrolled rounds; compile with more --rounds
SELECT COUNT(*) FROM "IDENTITY_WORK"."LIM_FRONT_3";
-- the refined partition; identifiers no anchor reached stay together
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."GROUPS_1" AS
SELECT node_id,
  CASE
    WHEN violating = 0 THEN grp
    WHEN anchor IS NOT NULL THEN anchor
    ELSE MIN(CASE WHEN anchor IS NULL THEN node_id END) OVER (PARTITION BY grp)
  END AS grp
FROM (
  SELECT g.node_id, g.grp, s.anchor,
    CASE WHEN g.grp IN (SELECT grp FROM "IDENTITY_WORK"."LIM_VIOLATING") THEN 1 ELSE 0 END AS violating
  FROM "IDENTITY_WORK"."GROUPS_0" g
  LEFT JOIN "IDENTITY_WORK"."LIM_SEEN_3" s ON g.node_id = s.node
  WHERE s.node IS NULL OR s.anchor IS NOT NULL
) x;
DROP TABLE IF EXISTS "IDENTITY_WORK"."LIM_FRONT_3";
DROP TABLE IF EXISTS "IDENTITY_WORK"."LIM_SEEN_3";

-- ===== stage ids: one universal id per profile, from its anchor identifier
-- every identifier in the graph with its profile
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."ASSIGN" AS
SELECT n.node_id, n.id_type, n.id_value, n.type_rank, n.first_seen_at, n.last_seen_at, n.row_count,
  g.grp AS component
FROM "IDENTITY_WORK"."NODES" n
JOIN "IDENTITY_WORK"."GROUPS_1" g ON n.node_id = g.node_id;
-- anchor: earliest first_seen, then type priority, then value
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."ANCHORS" AS
SELECT component, id_type AS anchor_type, id_value AS anchor_value,
  MD5(('demo' || '|' || id_type || '|' || id_value)) AS universal_id
FROM (
  SELECT component, id_type, id_value,
    ROW_NUMBER() OVER (PARTITION BY component ORDER BY first_seen_at ASC NULLS LAST, type_rank, id_value) AS pos
  FROM "IDENTITY_WORK"."ASSIGN"
) a
WHERE pos = 1;
-- every identifier with its universal id
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."GRAPH" AS
SELECT a.universal_id, n.id_type, n.id_value, n.first_seen_at, n.last_seen_at, n.row_count, n.node_id, n.component
FROM "IDENTITY_WORK"."ASSIGN" n
JOIN "IDENTITY_WORK"."ANCHORS" a ON n.component = a.component;
-- every identifier's region, quarantined ones too
CREATE OR REPLACE TABLE "IDENTITY_STATE"."REGIONS__NEXT" AS
SELECT n.node_id, COALESCE(l.component, n.node_id) AS region, n.id_type
FROM "IDENTITY_WORK"."NODES" n
LEFT JOIN "IDENTITY_WORK"."LABELS" l ON n.node_id = l.node_id
WHERE n.node_id NOT IN (SELECT node_id FROM "IDENTITY_WORK"."HUBS");

-- ===== stage traits: profile columns computed from the sources' rows
-- rows of events with their profile
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."TRAIT_ROWS_EVENTS" AS
SELECT COALESCE(g1.universal_id, g2.universal_id, g3.universal_id, g4.universal_id, CAST(NULL AS VARCHAR)) AS universal_id, s.ts, s.t1, s.f1
FROM "IDENTITY_STATE"."ROWS_EVENTS__NEXT" s
LEFT JOIN "IDENTITY_WORK"."GRAPH" g1 ON s.n1 = g1.node_id
LEFT JOIN "IDENTITY_WORK"."GRAPH" g2 ON s.n2 = g2.node_id
LEFT JOIN "IDENTITY_WORK"."GRAPH" g3 ON s.n3 = g3.node_id
LEFT JOIN "IDENTITY_WORK"."GRAPH" g4 ON s.n4 = g4.node_id;
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."TRAITS_EVENTS" AS
SELECT universal_id,
  COUNT(CASE WHEN f1 = 1 THEN 1 END) AS "CART_ABANDONS_90D"
FROM "IDENTITY_WORK"."TRAIT_ROWS_EVENTS"
WHERE universal_id IS NOT NULL
GROUP BY universal_id;
-- rows of orders with their profile
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."TRAIT_ROWS_ORDERS" AS
SELECT COALESCE(g1.universal_id, g2.universal_id, g3.universal_id, g4.universal_id, CAST(NULL AS VARCHAR)) AS universal_id, s.ts, s.t1, s.f1, s.t2, s.f2, s.t3, s.f3
FROM "IDENTITY_STATE"."ROWS_ORDERS__NEXT" s
LEFT JOIN "IDENTITY_WORK"."GRAPH" g1 ON s.n1 = g1.node_id
LEFT JOIN "IDENTITY_WORK"."GRAPH" g2 ON s.n2 = g2.node_id
LEFT JOIN "IDENTITY_WORK"."GRAPH" g3 ON s.n3 = g3.node_id
LEFT JOIN "IDENTITY_WORK"."GRAPH" g4 ON s.n4 = g4.node_id;
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."TRAITS_ORDERS" AS
SELECT universal_id,
  SUM(CASE WHEN f1 = 1 THEN t1 END) AS "LIFETIME_REVENUE",
  COUNT(CASE WHEN f2 = 1 THEN 1 END) AS "ORDERS",
  MAX(CASE WHEN f3 = 1 THEN t3 END) AS "LAST_ORDER_AT"
FROM "IDENTITY_WORK"."TRAIT_ROWS_ORDERS"
WHERE universal_id IS NOT NULL
GROUP BY universal_id;

-- ===== stage outputs: output tables, built beside the published ones
CREATE OR REPLACE TABLE "IDENTITY"."ID_GRAPH__NEXT" AS
SELECT universal_id, id_type, id_value, first_seen_at, last_seen_at, row_count, node_id
FROM "IDENTITY_WORK"."GRAPH";
-- universal ids that are new, merged, split or quarantined since the last run
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."CHANGES" AS
SELECT CASE
    WHEN p.new_id IS NULL THEN 'quarantine'
    WHEN p.old_id IS NULL THEN 'new'
    WHEN p.old_id IN (SELECT universal_id FROM "IDENTITY_WORK"."GRAPH") THEN 'split'
    ELSE 'merge'
  END AS kind,
  p.old_id AS old_universal_id, p.new_id AS new_universal_id, p.moved AS identifiers
FROM (
  SELECT old_id, new_id, COUNT(*) AS moved
  FROM (
    SELECT o.universal_id AS old_id, n.universal_id AS new_id
    FROM "IDENTITY"."ID_GRAPH" o
    FULL OUTER JOIN "IDENTITY_WORK"."GRAPH" n ON o.node_id = n.node_id
  ) m
  WHERE old_id IS NULL OR new_id IS NULL OR old_id <> new_id
  GROUP BY old_id, new_id
) p
-- identifiers seen for the first time that join a profile which already existed change no id
WHERE NOT (p.old_id IS NULL AND p.new_id IN (SELECT universal_id FROM "IDENTITY"."ID_GRAPH"));
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."PROFILES_BASE" AS
WITH ranked AS (
  SELECT component, id_type, id_value, first_seen_at, last_seen_at,
    ROW_NUMBER() OVER (PARTITION BY component, id_type ORDER BY last_seen_at DESC NULLS LAST, id_value DESC) AS pos
  FROM "IDENTITY_WORK"."ASSIGN"
), per_type AS (
  SELECT component, id_type, COUNT(*) AS n, MAX(CASE WHEN pos = 1 THEN id_value END) AS latest,
    MIN(first_seen_at) AS first_seen_at, MAX(last_seen_at) AS last_seen_at
  FROM ranked
  GROUP BY component, id_type
), per_profile AS (
  SELECT component,
    MIN(first_seen_at) AS first_seen_at,
    MAX(last_seen_at) AS last_seen_at,
    CAST(SUM(n) AS BIGINT) AS identifiers,
    CAST(COALESCE(SUM(CASE WHEN id_type = 'user_id' THEN n END), 0) AS BIGINT) AS "USER_ID_COUNT",
    MAX(CASE WHEN id_type = 'user_id' THEN latest END) AS "LATEST_USER_ID",
    CAST(COALESCE(SUM(CASE WHEN id_type = 'email' THEN n END), 0) AS BIGINT) AS "EMAIL_COUNT",
    MAX(CASE WHEN id_type = 'email' THEN latest END) AS "LATEST_EMAIL",
    CAST(COALESCE(SUM(CASE WHEN id_type = 'phone' THEN n END), 0) AS BIGINT) AS "PHONE_COUNT",
    MAX(CASE WHEN id_type = 'phone' THEN latest END) AS "LATEST_PHONE",
    CAST(COALESCE(SUM(CASE WHEN id_type = 'device_id' THEN n END), 0) AS BIGINT) AS "DEVICE_ID_COUNT",
    MAX(CASE WHEN id_type = 'device_id' THEN latest END) AS "LATEST_DEVICE_ID",
    CAST(COALESCE(SUM(CASE WHEN id_type = 'anonymous_id' THEN n END), 0) AS BIGINT) AS "ANONYMOUS_ID_COUNT",
    MAX(CASE WHEN id_type = 'anonymous_id' THEN latest END) AS "LATEST_ANONYMOUS_ID"
  FROM per_type
  GROUP BY component
)
SELECT a.universal_id, p.first_seen_at, p.last_seen_at, p.identifiers, p."USER_ID_COUNT", p."LATEST_USER_ID", p."EMAIL_COUNT", p."LATEST_EMAIL", p."PHONE_COUNT", p."LATEST_PHONE", p."DEVICE_ID_COUNT", p."LATEST_DEVICE_ID", p."ANONYMOUS_ID_COUNT", p."LATEST_ANONYMOUS_ID"
FROM per_profile p
JOIN "IDENTITY_WORK"."ANCHORS" a ON p.component = a.component;
-- profiles with their traits and audience flags
CREATE OR REPLACE TABLE "IDENTITY"."PROFILES__NEXT" AS
SELECT p.*,
  CASE WHEN (lifetime_revenue > 300 and orders >= 3) THEN TRUE ELSE FALSE END AS "LOYAL_CUSTOMERS",
  CASE WHEN (cart_abandons_90d >= 2) THEN TRUE ELSE FALSE END AS "FREQUENT_CART_ABANDONERS"
FROM (
  SELECT b.*,
    COALESCE(t1."CART_ABANDONS_90D", 0) AS "CART_ABANDONS_90D",
    t2."LIFETIME_REVENUE" AS "LIFETIME_REVENUE",
    COALESCE(t2."ORDERS", 0) AS "ORDERS",
    t2."LAST_ORDER_AT" AS "LAST_ORDER_AT"
  FROM "IDENTITY_WORK"."PROFILES_BASE" b
  LEFT JOIN "IDENTITY_WORK"."TRAITS_EVENTS" t1 ON b.universal_id = t1.universal_id
  LEFT JOIN "IDENTITY_WORK"."TRAITS_ORDERS" t2 ON b.universal_id = t2.universal_id
) p;
CREATE OR REPLACE TABLE "IDENTITY"."ID_EDGES__NEXT" AS
SELECT ga.universal_id,
  ga.id_type AS id_type_a, ga.id_value AS id_value_a,
  gb.id_type AS id_type_b, gb.id_value AS id_value_b,
  e.row_count, e.first_seen_at, e.last_seen_at, e.sources
FROM "IDENTITY_WORK"."EDGES" e
JOIN "IDENTITY_WORK"."GRAPH" ga ON e.a = ga.node_id
JOIN "IDENTITY_WORK"."GRAPH" gb ON e.b = gb.node_id
WHERE ga.component = gb.component;
-- what was kept out of the graph, and why
CREATE OR REPLACE TABLE "IDENTITY"."ID_QUARANTINE__NEXT" AS
SELECT id_type, id_value, reason, evidence, CAST(0 AS BIGINT) AS run_id
FROM (
  SELECT id_type, id_value, reason, evidence FROM "IDENTITY_WORK"."QUARANTINE_VALUES"
  UNION ALL SELECT n.id_type, n.id_value, 'hub' AS reason, CAST(q.degree AS BIGINT) AS evidence
FROM "IDENTITY_WORK"."HUBS" q JOIN "IDENTITY_WORK"."NODES" n ON q.node_id = n.node_id
) q;
-- audience members; those already in keep the time they entered
CREATE OR REPLACE TABLE "IDENTITY"."AUDIENCE_MEMBERS__NEXT" AS
SELECT m.audience, m.universal_id, COALESCE(prev.entered_at, CAST(SYSDATE() AS TIMESTAMP)) AS entered_at
FROM (
  SELECT 'loyal_customers' AS audience, universal_id FROM "IDENTITY"."PROFILES__NEXT" WHERE "LOYAL_CUSTOMERS"
  UNION ALL SELECT 'frequent_cart_abandoners' AS audience, universal_id FROM "IDENTITY"."PROFILES__NEXT" WHERE "FREQUENT_CART_ABANDONERS"
) m
LEFT JOIN "IDENTITY"."AUDIENCE_MEMBERS" prev ON prev.audience = m.audience AND prev.universal_id = m.universal_id;
CREATE OR REPLACE TABLE "IDENTITY_STATE"."HUBS__NEXT" AS
SELECT h.node_id, h.degree, n.id_type, n.id_value FROM "IDENTITY_WORK"."HUBS" h JOIN "IDENTITY_WORK"."NODES" n ON h.node_id = n.node_id;
CREATE OR REPLACE TABLE "IDENTITY_STATE"."QVALUES__NEXT" AS
SELECT id_type, id_value, reason, evidence FROM "IDENTITY_WORK"."QUARANTINE_VALUES";

-- ===== stage publish: swap the new tables in, each atomically (this warehouse has no transactions over DDL)
DROP VIEW IF EXISTS "IDENTITY"."EVENTS_STITCHED";
DROP VIEW IF EXISTS "IDENTITY"."ORDERS_STITCHED";
DROP VIEW IF EXISTS "IDENTITY"."CRM_CONTACTS_STITCHED";
UPDATE "IDENTITY"."AUDIENCE_HISTORY"
SET exited_at = CAST(SYSDATE() AS TIMESTAMP)
WHERE exited_at IS NULL
  AND NOT EXISTS (
    SELECT 1 FROM "IDENTITY"."AUDIENCE_MEMBERS__NEXT" n
    WHERE n.audience = "IDENTITY"."AUDIENCE_HISTORY".audience AND n.universal_id = "IDENTITY"."AUDIENCE_HISTORY".universal_id
  );
INSERT INTO "IDENTITY"."AUDIENCE_HISTORY" (audience, universal_id, entered_at, exited_at, run_id)
SELECT n.audience, n.universal_id, n.entered_at, CAST(NULL AS TIMESTAMP), CAST(0 AS BIGINT)
FROM "IDENTITY"."AUDIENCE_MEMBERS__NEXT" n
WHERE NOT EXISTS (
  SELECT 1 FROM "IDENTITY"."AUDIENCE_HISTORY" h
  WHERE h.exited_at IS NULL AND h.audience = n.audience AND h.universal_id = n.universal_id
);
CREATE TABLE IF NOT EXISTS "IDENTITY"."ID_GRAPH" LIKE "IDENTITY"."ID_GRAPH__NEXT";
ALTER TABLE "IDENTITY"."ID_GRAPH" SWAP WITH "IDENTITY"."ID_GRAPH__NEXT";
DROP TABLE IF EXISTS "IDENTITY"."ID_GRAPH__NEXT";
CREATE TABLE IF NOT EXISTS "IDENTITY"."PROFILES" LIKE "IDENTITY"."PROFILES__NEXT";
ALTER TABLE "IDENTITY"."PROFILES" SWAP WITH "IDENTITY"."PROFILES__NEXT";
DROP TABLE IF EXISTS "IDENTITY"."PROFILES__NEXT";
CREATE TABLE IF NOT EXISTS "IDENTITY"."ID_EDGES" LIKE "IDENTITY"."ID_EDGES__NEXT";
ALTER TABLE "IDENTITY"."ID_EDGES" SWAP WITH "IDENTITY"."ID_EDGES__NEXT";
DROP TABLE IF EXISTS "IDENTITY"."ID_EDGES__NEXT";
CREATE TABLE IF NOT EXISTS "IDENTITY"."ID_QUARANTINE" LIKE "IDENTITY"."ID_QUARANTINE__NEXT";
ALTER TABLE "IDENTITY"."ID_QUARANTINE" SWAP WITH "IDENTITY"."ID_QUARANTINE__NEXT";
DROP TABLE IF EXISTS "IDENTITY"."ID_QUARANTINE__NEXT";
CREATE TABLE IF NOT EXISTS "IDENTITY"."AUDIENCE_MEMBERS" LIKE "IDENTITY"."AUDIENCE_MEMBERS__NEXT";
ALTER TABLE "IDENTITY"."AUDIENCE_MEMBERS" SWAP WITH "IDENTITY"."AUDIENCE_MEMBERS__NEXT";
DROP TABLE IF EXISTS "IDENTITY"."AUDIENCE_MEMBERS__NEXT";
-- source events with the universal id of each row
CREATE OR REPLACE VIEW "IDENTITY"."EVENTS_STITCHED" AS
SELECT s.*, COALESCE(g1.universal_id, g2.universal_id, g3.universal_id, g4.universal_id, CAST(NULL AS VARCHAR)) AS universal_id
FROM "MAIN"."EVENTS" s
LEFT JOIN "IDENTITY"."ID_GRAPH" g1 ON g1.id_type = 'user_id' AND g1.id_value = NULLIF(NULLIF(CAST(s."USER_ID" AS VARCHAR), ''), '')
LEFT JOIN "IDENTITY"."ID_GRAPH" g2 ON g2.id_type = 'email' AND g2.id_value = NULLIF(LOWER(TRIM(NULLIF(CAST(s."EMAIL" AS VARCHAR), ''))), '')
LEFT JOIN "IDENTITY"."ID_GRAPH" g3 ON g3.id_type = 'device_id' AND g3.id_value = NULLIF(NULLIF(CAST(s."DEVICE_ID" AS VARCHAR), ''), '')
LEFT JOIN "IDENTITY"."ID_GRAPH" g4 ON g4.id_type = 'anonymous_id' AND g4.id_value = NULLIF(NULLIF(CAST(s."ANONYMOUS_ID" AS VARCHAR), ''), '');
-- source orders with the universal id of each row
CREATE OR REPLACE VIEW "IDENTITY"."ORDERS_STITCHED" AS
SELECT s.*, COALESCE(g1.universal_id, g2.universal_id, g3.universal_id, g4.universal_id, CAST(NULL AS VARCHAR)) AS universal_id
FROM "MAIN"."ORDERS" s
LEFT JOIN "IDENTITY"."ID_GRAPH" g1 ON g1.id_type = 'user_id' AND g1.id_value = NULLIF(NULLIF(CAST(s."USER_ID" AS VARCHAR), ''), '')
LEFT JOIN "IDENTITY"."ID_GRAPH" g2 ON g2.id_type = 'email' AND g2.id_value = NULLIF(LOWER(TRIM(NULLIF(CAST(s."EMAIL" AS VARCHAR), ''))), '')
LEFT JOIN "IDENTITY"."ID_GRAPH" g3 ON g3.id_type = 'email' AND g3.id_value = NULLIF(LOWER(TRIM(NULLIF(CAST(s."BILLING_EMAIL" AS VARCHAR), ''))), '')
LEFT JOIN "IDENTITY"."ID_GRAPH" g4 ON g4.id_type = 'phone' AND g4.id_value = NULLIF(CASE WHEN REGEXP_REPLACE(NULLIF(CAST(s."PHONE" AS VARCHAR), ''), '[^0-9]', '') = '' THEN NULL WHEN TRIM(NULLIF(CAST(s."PHONE" AS VARCHAR), '')) LIKE '+%' THEN ('+' || REGEXP_REPLACE(NULLIF(CAST(s."PHONE" AS VARCHAR), ''), '[^0-9]', '')) WHEN REGEXP_REPLACE(NULLIF(CAST(s."PHONE" AS VARCHAR), ''), '[^0-9]', '') LIKE '00%' THEN ('+' || SUBSTR(REGEXP_REPLACE(NULLIF(CAST(s."PHONE" AS VARCHAR), ''), '[^0-9]', ''), 3)) WHEN REGEXP_REPLACE(NULLIF(CAST(s."PHONE" AS VARCHAR), ''), '[^0-9]', '') LIKE '1%' AND LENGTH(REGEXP_REPLACE(NULLIF(CAST(s."PHONE" AS VARCHAR), ''), '[^0-9]', '')) >= 11 THEN ('+' || REGEXP_REPLACE(NULLIF(CAST(s."PHONE" AS VARCHAR), ''), '[^0-9]', '')) ELSE ('+1' || LTRIM(REGEXP_REPLACE(NULLIF(CAST(s."PHONE" AS VARCHAR), ''), '[^0-9]', ''), '0')) END, '');
-- source crm_contacts with the universal id of each row
CREATE OR REPLACE VIEW "IDENTITY"."CRM_CONTACTS_STITCHED" AS
SELECT s.*, COALESCE(g1.universal_id, g2.universal_id, g3.universal_id, CAST(NULL AS VARCHAR)) AS universal_id
FROM "MAIN"."CRM_CONTACTS" s
LEFT JOIN "IDENTITY"."ID_GRAPH" g1 ON g1.id_type = 'user_id' AND g1.id_value = NULLIF(NULLIF(CAST(s."USER_ID" AS VARCHAR), ''), '')
LEFT JOIN "IDENTITY"."ID_GRAPH" g2 ON g2.id_type = 'email' AND g2.id_value = NULLIF(LOWER(TRIM(NULLIF(CAST(s."EMAIL" AS VARCHAR), ''))), '')
LEFT JOIN "IDENTITY"."ID_GRAPH" g3 ON g3.id_type = 'phone' AND g3.id_value = NULLIF(CASE WHEN REGEXP_REPLACE(NULLIF(CAST(s."PHONE" AS VARCHAR), ''), '[^0-9]', '') = '' THEN NULL WHEN TRIM(NULLIF(CAST(s."PHONE" AS VARCHAR), '')) LIKE '+%' THEN ('+' || REGEXP_REPLACE(NULLIF(CAST(s."PHONE" AS VARCHAR), ''), '[^0-9]', '')) WHEN REGEXP_REPLACE(NULLIF(CAST(s."PHONE" AS VARCHAR), ''), '[^0-9]', '') LIKE '00%' THEN ('+' || SUBSTR(REGEXP_REPLACE(NULLIF(CAST(s."PHONE" AS VARCHAR), ''), '[^0-9]', ''), 3)) WHEN REGEXP_REPLACE(NULLIF(CAST(s."PHONE" AS VARCHAR), ''), '[^0-9]', '') LIKE '1%' AND LENGTH(REGEXP_REPLACE(NULLIF(CAST(s."PHONE" AS VARCHAR), ''), '[^0-9]', '')) >= 11 THEN ('+' || REGEXP_REPLACE(NULLIF(CAST(s."PHONE" AS VARCHAR), ''), '[^0-9]', '')) ELSE ('+1' || LTRIM(REGEXP_REPLACE(NULLIF(CAST(s."PHONE" AS VARCHAR), ''), '[^0-9]', ''), '0')) END, '');
CREATE TABLE IF NOT EXISTS "IDENTITY_STATE"."ROWS_EVENTS" LIKE "IDENTITY_STATE"."ROWS_EVENTS__NEXT";
ALTER TABLE "IDENTITY_STATE"."ROWS_EVENTS" SWAP WITH "IDENTITY_STATE"."ROWS_EVENTS__NEXT";
DROP TABLE IF EXISTS "IDENTITY_STATE"."ROWS_EVENTS__NEXT";
CREATE TABLE IF NOT EXISTS "IDENTITY_STATE"."ROWS_ORDERS" LIKE "IDENTITY_STATE"."ROWS_ORDERS__NEXT";
ALTER TABLE "IDENTITY_STATE"."ROWS_ORDERS" SWAP WITH "IDENTITY_STATE"."ROWS_ORDERS__NEXT";
DROP TABLE IF EXISTS "IDENTITY_STATE"."ROWS_ORDERS__NEXT";
CREATE TABLE IF NOT EXISTS "IDENTITY_STATE"."ROWS_CRM_CONTACTS" LIKE "IDENTITY_STATE"."ROWS_CRM_CONTACTS__NEXT";
ALTER TABLE "IDENTITY_STATE"."ROWS_CRM_CONTACTS" SWAP WITH "IDENTITY_STATE"."ROWS_CRM_CONTACTS__NEXT";
DROP TABLE IF EXISTS "IDENTITY_STATE"."ROWS_CRM_CONTACTS__NEXT";
CREATE TABLE IF NOT EXISTS "IDENTITY_STATE"."HUBS" LIKE "IDENTITY_STATE"."HUBS__NEXT";
ALTER TABLE "IDENTITY_STATE"."HUBS" SWAP WITH "IDENTITY_STATE"."HUBS__NEXT";
DROP TABLE IF EXISTS "IDENTITY_STATE"."HUBS__NEXT";
CREATE TABLE IF NOT EXISTS "IDENTITY_STATE"."QVALUES" LIKE "IDENTITY_STATE"."QVALUES__NEXT";
ALTER TABLE "IDENTITY_STATE"."QVALUES" SWAP WITH "IDENTITY_STATE"."QVALUES__NEXT";
DROP TABLE IF EXISTS "IDENTITY_STATE"."QVALUES__NEXT";
CREATE TABLE IF NOT EXISTS "IDENTITY_STATE"."REGIONS" LIKE "IDENTITY_STATE"."REGIONS__NEXT";
ALTER TABLE "IDENTITY_STATE"."REGIONS" SWAP WITH "IDENTITY_STATE"."REGIONS__NEXT";
DROP TABLE IF EXISTS "IDENTITY_STATE"."REGIONS__NEXT";
DELETE FROM "IDENTITY_STATE"."META" WHERE 1 = 1;
INSERT INTO "IDENTITY_STATE"."META" (section, fingerprint) VALUES ('audiences', '0abdf2d453a3606d'), ('checks', 'd5d8d0fdc49ed616'), ('degrees', '7fa03e9b3c5c80ec'), ('format', '2bf175f9655e7bb7'), ('id_salt', '99e5095aacce94d0'), ('id_types', 'd839813e2217d229'), ('limits', '{"user_id":1}'), ('policy', '9d2723ef62ce04de'), ('sources', '584bcfa6368755a8'), ('traits', '18b74501ad26436d');
INSERT INTO "IDENTITY"."ID_CHANGES" (run_id, changed_at, kind, old_universal_id, new_universal_id, identifiers) SELECT 0, CAST(SYSDATE() AS TIMESTAMP), kind, old_universal_id, new_universal_id, identifiers FROM "IDENTITY_WORK"."CHANGES";
