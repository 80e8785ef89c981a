-- idstitch plan: project demo, warehouse duckdb, components by contraction
-- The runner also records each run in the runs table; that bookkeeping is not part of this script, and run_id is 0 in what it writes.

-- ===== stage setup: schemas and the run history table
CREATE SCHEMA IF NOT EXISTS "identity";
ATTACH IF NOT EXISTS ':memory:' AS "identity_work";
CREATE TABLE IF NOT EXISTS "identity"."runs" (
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
ALTER TABLE "identity"."runs" ADD COLUMN IF NOT EXISTS "quarantined" VARCHAR;
ALTER TABLE "identity"."runs" ADD COLUMN IF NOT EXISTS "rows_by_source" VARCHAR;
ALTER TABLE "identity"."runs" ADD COLUMN IF NOT EXISTS "watermarks" VARCHAR;
ALTER TABLE "identity"."runs" ADD COLUMN IF NOT EXISTS "components_changed" BIGINT;
-- the published members, read for when each entered
CREATE TABLE IF NOT EXISTS "identity"."audience_members" (
  audience VARCHAR,
  universal_id VARCHAR,
  entered_at TIMESTAMP
);
-- every entry into and exit from an audience, across runs
CREATE TABLE IF NOT EXISTS "identity"."audience_history" (
  audience VARCHAR,
  universal_id VARCHAR,
  entered_at TIMESTAMP,
  exited_at TIMESTAMP,
  run_id BIGINT
);
-- an empty mapping before the first run, so that every run can compare with the last
CREATE TABLE IF NOT EXISTS "identity"."id_graph" (
  universal_id VARCHAR,
  id_type VARCHAR,
  id_value VARCHAR,
  first_seen_at TIMESTAMP,
  last_seen_at TIMESTAMP,
  row_count BIGINT,
  node_id BIGINT
);
-- every change of universal ids, across runs
CREATE TABLE IF NOT EXISTS "identity"."id_changes" (
  run_id BIGINT,
  changed_at TIMESTAMP,
  kind VARCHAR,
  old_universal_id VARCHAR,
  new_universal_id VARCHAR,
  identifiers BIGINT
);
CREATE SCHEMA IF NOT EXISTS "identity_state";
-- what the stored state was built from
CREATE TABLE IF NOT EXISTS "identity_state"."meta" (
  section VARCHAR,
  fingerprint VARCHAR
);

-- ===== stage extract: per source: the rows from the watermark less the lookback, and which of them are new or changed
-- source events (main.events): the rows read again
CREATE OR REPLACE TABLE "identity_work".main."win_events" AS
SELECT e.*, CAST(CAST(hash(ts, t1, f1, v1, q1, v2, q2, v3, q3, v4, q4) AS HUGEINT) - 9223372036854775808 AS BIGINT) AS row_hash
FROM (
SELECT
  ts,
  t1,
  f1,
  v1,
  q1,
  CASE WHEN v1 IS NULL OR q1 IS NOT NULL THEN NULL ELSE CAST(CAST(hash('user_id', v1) AS HUGEINT) - 9223372036854775808 AS BIGINT) END AS n1,
  v2,
  q2,
  CASE WHEN v2 IS NULL OR q2 IS NOT NULL THEN NULL ELSE CAST(CAST(hash('email', v2) AS HUGEINT) - 9223372036854775808 AS BIGINT) END AS n2,
  v3,
  q3,
  CASE WHEN v3 IS NULL OR q3 IS NOT NULL THEN NULL ELSE CAST(CAST(hash('device_id', v3) AS HUGEINT) - 9223372036854775808 AS BIGINT) END AS n3,
  v4,
  q4,
  CASE WHEN v4 IS NULL OR q4 IS NOT NULL THEN NULL ELSE CAST(CAST(hash('anonymous_id', v4) AS HUGEINT) - 9223372036854775808 AS BIGINT) END AS n4
FROM (
  SELECT
    ts,
    t1,
    f1,
    v1,
    CASE WHEN v1 IS NULL THEN NULL WHEN LOWER(v1) IN ('null', 'none', 'undefined', 'nan', 'n/a', '0', '-1', 'unknown', 'anonymous', '00000000-0000-0000-0000-000000000000') THEN 'blocked' END AS q1,
    v2,
    CASE WHEN v2 IS NULL THEN NULL WHEN LOWER(v2) IN ('null', 'none', 'undefined', 'nan', 'n/a', '0', '-1', 'unknown', 'anonymous', '00000000-0000-0000-0000-000000000000') THEN 'blocked' WHEN v2 IN ('test@test.com') THEN 'blocked' WHEN NOT regexp_matches(v2, '^[^@\s]+@[^@\s]+\.[^@\s]+$') THEN 'invalid' END AS q2,
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
        CAST("ts" AS TIMESTAMP) AS ts,
        CAST(NULL AS BIGINT) AS t1,
        CASE WHEN (event_type = 'cart_abandoned') AND CAST("ts" AS TIMESTAMP) >= (CAST(current_timestamp AS TIMESTAMP) - INTERVAL '90 days') THEN 1 ELSE 0 END AS f1,
        NULLIF(CAST("user_id" AS VARCHAR), '') AS r1,
        NULLIF(CAST("email" AS VARCHAR), '') AS r2,
        NULLIF(CAST("device_id" AS VARCHAR), '') AS r3,
        NULLIF(CAST("anonymous_id" AS VARCHAR), '') AS r4
      FROM "main"."events"
      WHERE (CAST("ts" AS TIMESTAMP) IS NULL OR CAST("ts" AS TIMESTAMP) >= CAST('2026-10-29 00:00:00' AS TIMESTAMP))
    ) r
  ) v
) s
) e;
-- rows whose count differs from the stored ones
CREATE OR REPLACE TABLE "identity_work".main."changed_events" AS
SELECT COALESCE(n.row_hash, o.row_hash) AS row_hash, CASE WHEN o.c IS NULL THEN 0 ELSE 1 END AS stored
FROM (SELECT row_hash, COUNT(*) AS c FROM "identity_work".main."win_events" GROUP BY row_hash) n
FULL OUTER JOIN (
  SELECT row_hash, COUNT(*) AS c FROM "identity_state"."rows_events" s WHERE (ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) GROUP BY row_hash
) o ON n.row_hash = o.row_hash
WHERE n.c IS NULL OR o.c IS NULL OR n.c <> o.c;
CREATE OR REPLACE TABLE "identity_work".main."ins_events" AS
SELECT * FROM "identity_work".main."win_events" WHERE row_hash IN (SELECT row_hash FROM "identity_work".main."changed_events");
-- the stored rows that this run replaces
CREATE OR REPLACE TABLE "identity_work".main."gone_events" AS
SELECT row_hash FROM "identity_work".main."changed_events" WHERE stored = 1;
-- their identifiers
CREATE OR REPLACE TABLE "identity_work".main."del_events" AS
SELECT n1, v1, n2, v2, n3, v3, n4, v4, q1, q2, q3, q4 FROM "identity_state"."rows_events" WHERE (ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) AND row_hash IN (SELECT row_hash FROM "identity_work".main."gone_events");
-- source orders (main.orders): the rows read again
CREATE OR REPLACE TABLE "identity_work".main."win_orders" AS
SELECT e.*, CAST(CAST(hash(ts, t1, f1, t2, f2, t3, f3, v1, q1, v2, q2, v3, q3, v4, q4) AS HUGEINT) - 9223372036854775808 AS BIGINT) AS row_hash
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
  CASE WHEN v1 IS NULL OR q1 IS NOT NULL THEN NULL ELSE CAST(CAST(hash('user_id', v1) AS HUGEINT) - 9223372036854775808 AS BIGINT) END AS n1,
  v2,
  q2,
  CASE WHEN v2 IS NULL OR q2 IS NOT NULL THEN NULL ELSE CAST(CAST(hash('email', v2) AS HUGEINT) - 9223372036854775808 AS BIGINT) END AS n2,
  v3,
  q3,
  CASE WHEN v3 IS NULL OR q3 IS NOT NULL THEN NULL ELSE CAST(CAST(hash('email', v3) AS HUGEINT) - 9223372036854775808 AS BIGINT) END AS n3,
  v4,
  q4,
  CASE WHEN v4 IS NULL OR q4 IS NOT NULL THEN NULL ELSE CAST(CAST(hash('phone', v4) AS HUGEINT) - 9223372036854775808 AS BIGINT) END AS n4
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
    CASE WHEN v2 IS NULL THEN NULL WHEN LOWER(v2) IN ('null', 'none', 'undefined', 'nan', 'n/a', '0', '-1', 'unknown', 'anonymous', '00000000-0000-0000-0000-000000000000') THEN 'blocked' WHEN v2 IN ('test@test.com') THEN 'blocked' WHEN NOT regexp_matches(v2, '^[^@\s]+@[^@\s]+\.[^@\s]+$') THEN 'invalid' END AS q2,
    v3,
    CASE WHEN v3 IS NULL THEN NULL WHEN LOWER(v3) IN ('null', 'none', 'undefined', 'nan', 'n/a', '0', '-1', 'unknown', 'anonymous', '00000000-0000-0000-0000-000000000000') THEN 'blocked' WHEN v3 IN ('test@test.com') THEN 'blocked' WHEN NOT regexp_matches(v3, '^[^@\s]+@[^@\s]+\.[^@\s]+$') THEN 'invalid' END AS q3,
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
      NULLIF(CASE WHEN regexp_replace(r4, '[^0-9]', '', 'g') = '' THEN NULL WHEN TRIM(r4) LIKE '+%' THEN ('+' || regexp_replace(r4, '[^0-9]', '', 'g')) WHEN regexp_replace(r4, '[^0-9]', '', 'g') LIKE '00%' THEN ('+' || SUBSTR(regexp_replace(r4, '[^0-9]', '', 'g'), 3)) WHEN regexp_replace(r4, '[^0-9]', '', 'g') LIKE '1%' AND LENGTH(regexp_replace(r4, '[^0-9]', '', 'g')) >= 11 THEN ('+' || regexp_replace(r4, '[^0-9]', '', 'g')) ELSE ('+1' || LTRIM(regexp_replace(r4, '[^0-9]', '', 'g'), '0')) END, '') AS v4
    FROM (
      SELECT
        CAST("ts" AS TIMESTAMP) AS ts,
        "revenue" AS t1,
        1 AS f1,
        CAST(NULL AS BIGINT) AS t2,
        1 AS f2,
        "ts" AS t3,
        1 AS f3,
        NULLIF(CAST("user_id" AS VARCHAR), '') AS r1,
        NULLIF(CAST("email" AS VARCHAR), '') AS r2,
        NULLIF(CAST("billing_email" AS VARCHAR), '') AS r3,
        NULLIF(CAST("phone" AS VARCHAR), '') AS r4
      FROM "main"."orders"
      WHERE (CAST("ts" AS TIMESTAMP) IS NULL OR CAST("ts" AS TIMESTAMP) >= CAST('2026-10-29 00:00:00' AS TIMESTAMP))
    ) r
  ) v
) s
) e;
-- rows whose count differs from the stored ones
CREATE OR REPLACE TABLE "identity_work".main."changed_orders" AS
SELECT COALESCE(n.row_hash, o.row_hash) AS row_hash, CASE WHEN o.c IS NULL THEN 0 ELSE 1 END AS stored
FROM (SELECT row_hash, COUNT(*) AS c FROM "identity_work".main."win_orders" GROUP BY row_hash) n
FULL OUTER JOIN (
  SELECT row_hash, COUNT(*) AS c FROM "identity_state"."rows_orders" s WHERE (ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) GROUP BY row_hash
) o ON n.row_hash = o.row_hash
WHERE n.c IS NULL OR o.c IS NULL OR n.c <> o.c;
CREATE OR REPLACE TABLE "identity_work".main."ins_orders" AS
SELECT * FROM "identity_work".main."win_orders" WHERE row_hash IN (SELECT row_hash FROM "identity_work".main."changed_orders");
-- the stored rows that this run replaces
CREATE OR REPLACE TABLE "identity_work".main."gone_orders" AS
SELECT row_hash FROM "identity_work".main."changed_orders" WHERE stored = 1;
-- their identifiers
CREATE OR REPLACE TABLE "identity_work".main."del_orders" AS
SELECT n1, v1, n2, v2, n3, v3, n4, v4, q1, q2, q3, q4 FROM "identity_state"."rows_orders" WHERE (ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) AND row_hash IN (SELECT row_hash FROM "identity_work".main."gone_orders");
-- source crm_contacts (main.crm_contacts): the rows read again
CREATE OR REPLACE TABLE "identity_work".main."win_crm_contacts" AS
SELECT e.*, CAST(CAST(hash(ts, v1, q1, v2, q2, v3, q3) AS HUGEINT) - 9223372036854775808 AS BIGINT) AS row_hash
FROM (
SELECT
  ts,
  v1,
  q1,
  CASE WHEN v1 IS NULL OR q1 IS NOT NULL THEN NULL ELSE CAST(CAST(hash('user_id', v1) AS HUGEINT) - 9223372036854775808 AS BIGINT) END AS n1,
  v2,
  q2,
  CASE WHEN v2 IS NULL OR q2 IS NOT NULL THEN NULL ELSE CAST(CAST(hash('email', v2) AS HUGEINT) - 9223372036854775808 AS BIGINT) END AS n2,
  v3,
  q3,
  CASE WHEN v3 IS NULL OR q3 IS NOT NULL THEN NULL ELSE CAST(CAST(hash('phone', v3) AS HUGEINT) - 9223372036854775808 AS BIGINT) END AS n3
FROM (
  SELECT
    ts,
    v1,
    CASE WHEN v1 IS NULL THEN NULL WHEN LOWER(v1) IN ('null', 'none', 'undefined', 'nan', 'n/a', '0', '-1', 'unknown', 'anonymous', '00000000-0000-0000-0000-000000000000') THEN 'blocked' END AS q1,
    v2,
    CASE WHEN v2 IS NULL THEN NULL WHEN LOWER(v2) IN ('null', 'none', 'undefined', 'nan', 'n/a', '0', '-1', 'unknown', 'anonymous', '00000000-0000-0000-0000-000000000000') THEN 'blocked' WHEN v2 IN ('test@test.com') THEN 'blocked' WHEN NOT regexp_matches(v2, '^[^@\s]+@[^@\s]+\.[^@\s]+$') THEN 'invalid' END AS q2,
    v3,
    CASE WHEN v3 IS NULL THEN NULL WHEN LOWER(v3) IN ('null', 'none', 'undefined', 'nan', 'n/a', '0', '-1', 'unknown', 'anonymous', '00000000-0000-0000-0000-000000000000') THEN 'blocked' END AS q3
  FROM (
    SELECT
      ts,
      NULLIF(r1, '') AS v1,
      NULLIF(LOWER(TRIM(r2)), '') AS v2,
      NULLIF(CASE WHEN regexp_replace(r3, '[^0-9]', '', 'g') = '' THEN NULL WHEN TRIM(r3) LIKE '+%' THEN ('+' || regexp_replace(r3, '[^0-9]', '', 'g')) WHEN regexp_replace(r3, '[^0-9]', '', 'g') LIKE '00%' THEN ('+' || SUBSTR(regexp_replace(r3, '[^0-9]', '', 'g'), 3)) WHEN regexp_replace(r3, '[^0-9]', '', 'g') LIKE '1%' AND LENGTH(regexp_replace(r3, '[^0-9]', '', 'g')) >= 11 THEN ('+' || regexp_replace(r3, '[^0-9]', '', 'g')) ELSE ('+1' || LTRIM(regexp_replace(r3, '[^0-9]', '', 'g'), '0')) END, '') AS v3
    FROM (
      SELECT
        CAST("updated_at" AS TIMESTAMP) AS ts,
        NULLIF(CAST("user_id" AS VARCHAR), '') AS r1,
        NULLIF(CAST("email" AS VARCHAR), '') AS r2,
        NULLIF(CAST("phone" AS VARCHAR), '') AS r3
      FROM "main"."crm_contacts"
      WHERE (CAST("updated_at" AS TIMESTAMP) IS NULL OR CAST("updated_at" AS TIMESTAMP) >= CAST('2026-10-29 00:00:00' AS TIMESTAMP))
    ) r
  ) v
) s
) e;
-- rows whose count differs from the stored ones
CREATE OR REPLACE TABLE "identity_work".main."changed_crm_contacts" AS
SELECT COALESCE(n.row_hash, o.row_hash) AS row_hash, CASE WHEN o.c IS NULL THEN 0 ELSE 1 END AS stored
FROM (SELECT row_hash, COUNT(*) AS c FROM "identity_work".main."win_crm_contacts" GROUP BY row_hash) n
FULL OUTER JOIN (
  SELECT row_hash, COUNT(*) AS c FROM "identity_state"."rows_crm_contacts" s WHERE (ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) GROUP BY row_hash
) o ON n.row_hash = o.row_hash
WHERE n.c IS NULL OR o.c IS NULL OR n.c <> o.c;
CREATE OR REPLACE TABLE "identity_work".main."ins_crm_contacts" AS
SELECT * FROM "identity_work".main."win_crm_contacts" WHERE row_hash IN (SELECT row_hash FROM "identity_work".main."changed_crm_contacts");
-- the stored rows that this run replaces
CREATE OR REPLACE TABLE "identity_work".main."gone_crm_contacts" AS
SELECT row_hash FROM "identity_work".main."changed_crm_contacts" WHERE stored = 1;
-- their identifiers
CREATE OR REPLACE TABLE "identity_work".main."del_crm_contacts" AS
SELECT n1, v1, n2, v2, n3, v3, q1, q2, q3 FROM "identity_state"."rows_crm_contacts" WHERE (ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) AND row_hash IN (SELECT row_hash FROM "identity_work".main."gone_crm_contacts");

-- ===== stage region: the identifiers the changed rows touch, the hub decisions they change, and the regions to recompute
-- identifiers on rows that are new, changed or gone
CREATE OR REPLACE TABLE "identity_work".main."touched" AS
SELECT DISTINCT node_id, id_type, id_value
FROM (
  SELECT n1 AS node_id, 'user_id' AS id_type, v1 AS id_value
  FROM "identity_work".main."ins_events" WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 AS node_id, 'email' AS id_type, v2 AS id_value
  FROM "identity_work".main."ins_events" WHERE n2 IS NOT NULL
  UNION ALL SELECT n3 AS node_id, 'device_id' AS id_type, v3 AS id_value
  FROM "identity_work".main."ins_events" WHERE n3 IS NOT NULL
  UNION ALL SELECT n4 AS node_id, 'anonymous_id' AS id_type, v4 AS id_value
  FROM "identity_work".main."ins_events" WHERE n4 IS NOT NULL
  UNION ALL SELECT n1 AS node_id, 'user_id' AS id_type, v1 AS id_value
  FROM "identity_work".main."ins_orders" WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 AS node_id, 'email' AS id_type, v2 AS id_value
  FROM "identity_work".main."ins_orders" WHERE n2 IS NOT NULL
  UNION ALL SELECT n3 AS node_id, 'email' AS id_type, v3 AS id_value
  FROM "identity_work".main."ins_orders" WHERE n3 IS NOT NULL
  UNION ALL SELECT n4 AS node_id, 'phone' AS id_type, v4 AS id_value
  FROM "identity_work".main."ins_orders" WHERE n4 IS NOT NULL
  UNION ALL SELECT n1 AS node_id, 'user_id' AS id_type, v1 AS id_value
  FROM "identity_work".main."ins_crm_contacts" WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 AS node_id, 'email' AS id_type, v2 AS id_value
  FROM "identity_work".main."ins_crm_contacts" WHERE n2 IS NOT NULL
  UNION ALL SELECT n3 AS node_id, 'phone' AS id_type, v3 AS id_value
  FROM "identity_work".main."ins_crm_contacts" WHERE n3 IS NOT NULL
  UNION ALL SELECT n1 AS node_id, 'user_id' AS id_type, v1 AS id_value
  FROM "identity_work".main."del_events" WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 AS node_id, 'email' AS id_type, v2 AS id_value
  FROM "identity_work".main."del_events" WHERE n2 IS NOT NULL
  UNION ALL SELECT n3 AS node_id, 'device_id' AS id_type, v3 AS id_value
  FROM "identity_work".main."del_events" WHERE n3 IS NOT NULL
  UNION ALL SELECT n4 AS node_id, 'anonymous_id' AS id_type, v4 AS id_value
  FROM "identity_work".main."del_events" WHERE n4 IS NOT NULL
  UNION ALL SELECT n1 AS node_id, 'user_id' AS id_type, v1 AS id_value
  FROM "identity_work".main."del_orders" WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 AS node_id, 'email' AS id_type, v2 AS id_value
  FROM "identity_work".main."del_orders" WHERE n2 IS NOT NULL
  UNION ALL SELECT n3 AS node_id, 'email' AS id_type, v3 AS id_value
  FROM "identity_work".main."del_orders" WHERE n3 IS NOT NULL
  UNION ALL SELECT n4 AS node_id, 'phone' AS id_type, v4 AS id_value
  FROM "identity_work".main."del_orders" WHERE n4 IS NOT NULL
  UNION ALL SELECT n1 AS node_id, 'user_id' AS id_type, v1 AS id_value
  FROM "identity_work".main."del_crm_contacts" WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 AS node_id, 'email' AS id_type, v2 AS id_value
  FROM "identity_work".main."del_crm_contacts" WHERE n2 IS NOT NULL
  UNION ALL SELECT n3 AS node_id, 'phone' AS id_type, v3 AS id_value
  FROM "identity_work".main."del_crm_contacts" WHERE n3 IS NOT NULL
) t;
-- invalid and blocked values, counted over all rows
CREATE OR REPLACE TABLE "identity_work".main."qvalues_new" AS
SELECT id_type, id_value, reason, CAST(SUM(evidence) AS BIGINT) AS evidence
FROM (
  SELECT id_type, id_value, reason, evidence FROM "identity_state"."qvalues"
  UNION ALL SELECT id_type, id_value, reason, evidence FROM (SELECT id_type, id_value, reason, COUNT(*) AS evidence
FROM (
  SELECT 'user_id' AS id_type, v1 AS id_value, q1 AS reason
  FROM "identity_work".main."ins_events" WHERE q1 IS NOT NULL
  UNION ALL SELECT 'email' AS id_type, v2 AS id_value, q2 AS reason
  FROM "identity_work".main."ins_events" WHERE q2 IS NOT NULL
  UNION ALL SELECT 'device_id' AS id_type, v3 AS id_value, q3 AS reason
  FROM "identity_work".main."ins_events" WHERE q3 IS NOT NULL
  UNION ALL SELECT 'anonymous_id' AS id_type, v4 AS id_value, q4 AS reason
  FROM "identity_work".main."ins_events" WHERE q4 IS NOT NULL
  UNION ALL SELECT 'user_id' AS id_type, v1 AS id_value, q1 AS reason
  FROM "identity_work".main."ins_orders" WHERE q1 IS NOT NULL
  UNION ALL SELECT 'email' AS id_type, v2 AS id_value, q2 AS reason
  FROM "identity_work".main."ins_orders" WHERE q2 IS NOT NULL
  UNION ALL SELECT 'email' AS id_type, v3 AS id_value, q3 AS reason
  FROM "identity_work".main."ins_orders" WHERE q3 IS NOT NULL
  UNION ALL SELECT 'phone' AS id_type, v4 AS id_value, q4 AS reason
  FROM "identity_work".main."ins_orders" WHERE q4 IS NOT NULL
  UNION ALL SELECT 'user_id' AS id_type, v1 AS id_value, q1 AS reason
  FROM "identity_work".main."ins_crm_contacts" WHERE q1 IS NOT NULL
  UNION ALL SELECT 'email' AS id_type, v2 AS id_value, q2 AS reason
  FROM "identity_work".main."ins_crm_contacts" WHERE q2 IS NOT NULL
  UNION ALL SELECT 'phone' AS id_type, v3 AS id_value, q3 AS reason
  FROM "identity_work".main."ins_crm_contacts" WHERE q3 IS NOT NULL
) q
GROUP BY id_type, id_value, reason) p1
  UNION ALL SELECT id_type, id_value, reason, -evidence FROM (SELECT id_type, id_value, reason, COUNT(*) AS evidence
FROM (
  SELECT 'user_id' AS id_type, v1 AS id_value, q1 AS reason
  FROM "identity_work".main."del_events" WHERE q1 IS NOT NULL
  UNION ALL SELECT 'email' AS id_type, v2 AS id_value, q2 AS reason
  FROM "identity_work".main."del_events" WHERE q2 IS NOT NULL
  UNION ALL SELECT 'device_id' AS id_type, v3 AS id_value, q3 AS reason
  FROM "identity_work".main."del_events" WHERE q3 IS NOT NULL
  UNION ALL SELECT 'anonymous_id' AS id_type, v4 AS id_value, q4 AS reason
  FROM "identity_work".main."del_events" WHERE q4 IS NOT NULL
  UNION ALL SELECT 'user_id' AS id_type, v1 AS id_value, q1 AS reason
  FROM "identity_work".main."del_orders" WHERE q1 IS NOT NULL
  UNION ALL SELECT 'email' AS id_type, v2 AS id_value, q2 AS reason
  FROM "identity_work".main."del_orders" WHERE q2 IS NOT NULL
  UNION ALL SELECT 'email' AS id_type, v3 AS id_value, q3 AS reason
  FROM "identity_work".main."del_orders" WHERE q3 IS NOT NULL
  UNION ALL SELECT 'phone' AS id_type, v4 AS id_value, q4 AS reason
  FROM "identity_work".main."del_orders" WHERE q4 IS NOT NULL
  UNION ALL SELECT 'user_id' AS id_type, v1 AS id_value, q1 AS reason
  FROM "identity_work".main."del_crm_contacts" WHERE q1 IS NOT NULL
  UNION ALL SELECT 'email' AS id_type, v2 AS id_value, q2 AS reason
  FROM "identity_work".main."del_crm_contacts" WHERE q2 IS NOT NULL
  UNION ALL SELECT 'phone' AS id_type, v3 AS id_value, q3 AS reason
  FROM "identity_work".main."del_crm_contacts" WHERE q3 IS NOT NULL
) q
GROUP BY id_type, id_value, reason) p2
) q
GROUP BY id_type, id_value, reason
HAVING SUM(evidence) > 0;
-- all rows of events, since a max_degree changed
CREATE OR REPLACE TABLE "identity_work".main."near_events" AS
SELECT n1, v1, n2, v2, n3, v3, n4, v4 FROM (SELECT * FROM "identity_state"."rows_events" WHERE NOT ((ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) AND row_hash IN (SELECT row_hash FROM "identity_work".main."gone_events")) UNION ALL SELECT * FROM "identity_work".main."ins_events") s;
-- all rows of orders, since a max_degree changed
CREATE OR REPLACE TABLE "identity_work".main."near_orders" AS
SELECT n1, v1, n2, v2, n3, v3, n4, v4 FROM (SELECT * FROM "identity_state"."rows_orders" WHERE NOT ((ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) AND row_hash IN (SELECT row_hash FROM "identity_work".main."gone_orders")) UNION ALL SELECT * FROM "identity_work".main."ins_orders") s;
-- all rows of crm_contacts, since a max_degree changed
CREATE OR REPLACE TABLE "identity_work".main."near_crm_contacts" AS
SELECT n1, v1, n2, v2, n3, v3 FROM (SELECT * FROM "identity_state"."rows_crm_contacts" WHERE NOT ((ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) AND row_hash IN (SELECT row_hash FROM "identity_work".main."gone_crm_contacts")) UNION ALL SELECT * FROM "identity_work".main."ins_crm_contacts") s;
-- every identifier on a row with partners
CREATE OR REPLACE TABLE "identity_work".main."decided" AS
SELECT DISTINCT node_id, id_type, id_value
FROM (
  SELECT n1 AS node_id, 'user_id' AS id_type, v1 AS id_value
  FROM "identity_work".main."near_events" WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 AS node_id, 'email' AS id_type, v2 AS id_value
  FROM "identity_work".main."near_events" WHERE n2 IS NOT NULL
  UNION ALL SELECT n3 AS node_id, 'device_id' AS id_type, v3 AS id_value
  FROM "identity_work".main."near_events" WHERE n3 IS NOT NULL
  UNION ALL SELECT n4 AS node_id, 'anonymous_id' AS id_type, v4 AS id_value
  FROM "identity_work".main."near_events" WHERE n4 IS NOT NULL
  UNION ALL SELECT n1 AS node_id, 'user_id' AS id_type, v1 AS id_value
  FROM "identity_work".main."near_orders" WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 AS node_id, 'email' AS id_type, v2 AS id_value
  FROM "identity_work".main."near_orders" WHERE n2 IS NOT NULL
  UNION ALL SELECT n3 AS node_id, 'email' AS id_type, v3 AS id_value
  FROM "identity_work".main."near_orders" WHERE n3 IS NOT NULL
  UNION ALL SELECT n4 AS node_id, 'phone' AS id_type, v4 AS id_value
  FROM "identity_work".main."near_orders" WHERE n4 IS NOT NULL
  UNION ALL SELECT n1 AS node_id, 'user_id' AS id_type, v1 AS id_value
  FROM "identity_work".main."near_crm_contacts" WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 AS node_id, 'email' AS id_type, v2 AS id_value
  FROM "identity_work".main."near_crm_contacts" WHERE n2 IS NOT NULL
  UNION ALL SELECT n3 AS node_id, 'phone' AS id_type, v3 AS id_value
  FROM "identity_work".main."near_crm_contacts" WHERE n3 IS NOT NULL
) t;
-- hubs: the stored ones, with the touched identifiers decided again over all their rows
CREATE OR REPLACE TABLE "identity_work".main."hubs_named" AS
SELECT node_id, degree, id_type, id_value FROM "identity_state"."hubs"
WHERE node_id NOT IN (SELECT node_id FROM "identity_work".main."decided")
UNION ALL
SELECT h.node_id, h.degree, t.id_type, t.id_value
FROM (
SELECT node_id, degree
FROM (
  SELECT node AS node_id, max_degree, COUNT(DISTINCT other) AS degree
  FROM (
    SELECT n2 AS node, n1 AS other, 30 AS max_degree
    FROM "identity_work".main."near_events" WHERE n2 IS NOT NULL AND n1 IS NOT NULL AND n2 <> n1
    UNION ALL SELECT n2 AS node, n3 AS other, 30 AS max_degree
    FROM "identity_work".main."near_events" WHERE n2 IS NOT NULL AND n3 IS NOT NULL AND n2 <> n3
    UNION ALL SELECT n2 AS node, n4 AS other, 30 AS max_degree
    FROM "identity_work".main."near_events" WHERE n2 IS NOT NULL AND n4 IS NOT NULL AND n2 <> n4
    UNION ALL SELECT n3 AS node, n1 AS other, 10 AS max_degree
    FROM "identity_work".main."near_events" WHERE n3 IS NOT NULL AND n1 IS NOT NULL AND n3 <> n1
    UNION ALL SELECT n3 AS node, n2 AS other, 10 AS max_degree
    FROM "identity_work".main."near_events" WHERE n3 IS NOT NULL AND n2 IS NOT NULL AND n3 <> n2
    UNION ALL SELECT n3 AS node, n4 AS other, 10 AS max_degree
    FROM "identity_work".main."near_events" WHERE n3 IS NOT NULL AND n4 IS NOT NULL AND n3 <> n4
    UNION ALL SELECT n2 AS node, n1 AS other, 30 AS max_degree
    FROM "identity_work".main."near_orders" WHERE n2 IS NOT NULL AND n1 IS NOT NULL AND n2 <> n1
    UNION ALL SELECT n2 AS node, n3 AS other, 30 AS max_degree
    FROM "identity_work".main."near_orders" WHERE n2 IS NOT NULL AND n3 IS NOT NULL AND n2 <> n3
    UNION ALL SELECT n2 AS node, n4 AS other, 30 AS max_degree
    FROM "identity_work".main."near_orders" WHERE n2 IS NOT NULL AND n4 IS NOT NULL AND n2 <> n4
    UNION ALL SELECT n3 AS node, n1 AS other, 30 AS max_degree
    FROM "identity_work".main."near_orders" WHERE n3 IS NOT NULL AND n1 IS NOT NULL AND n3 <> n1
    UNION ALL SELECT n3 AS node, n2 AS other, 30 AS max_degree
    FROM "identity_work".main."near_orders" WHERE n3 IS NOT NULL AND n2 IS NOT NULL AND n3 <> n2
    UNION ALL SELECT n3 AS node, n4 AS other, 30 AS max_degree
    FROM "identity_work".main."near_orders" WHERE n3 IS NOT NULL AND n4 IS NOT NULL AND n3 <> n4
    UNION ALL SELECT n4 AS node, n1 AS other, 10 AS max_degree
    FROM "identity_work".main."near_orders" WHERE n4 IS NOT NULL AND n1 IS NOT NULL AND n4 <> n1
    UNION ALL SELECT n4 AS node, n2 AS other, 10 AS max_degree
    FROM "identity_work".main."near_orders" WHERE n4 IS NOT NULL AND n2 IS NOT NULL AND n4 <> n2
    UNION ALL SELECT n4 AS node, n3 AS other, 10 AS max_degree
    FROM "identity_work".main."near_orders" WHERE n4 IS NOT NULL AND n3 IS NOT NULL AND n4 <> n3
    UNION ALL SELECT n2 AS node, n1 AS other, 30 AS max_degree
    FROM "identity_work".main."near_crm_contacts" WHERE n2 IS NOT NULL AND n1 IS NOT NULL AND n2 <> n1
    UNION ALL SELECT n2 AS node, n3 AS other, 30 AS max_degree
    FROM "identity_work".main."near_crm_contacts" WHERE n2 IS NOT NULL AND n3 IS NOT NULL AND n2 <> n3
    UNION ALL SELECT n3 AS node, n1 AS other, 10 AS max_degree
    FROM "identity_work".main."near_crm_contacts" WHERE n3 IS NOT NULL AND n1 IS NOT NULL AND n3 <> n1
    UNION ALL SELECT n3 AS node, n2 AS other, 10 AS max_degree
    FROM "identity_work".main."near_crm_contacts" WHERE n3 IS NOT NULL AND n2 IS NOT NULL AND n3 <> n2
  ) p
  GROUP BY node, max_degree
) d
WHERE degree > max_degree
) h
JOIN "identity_work".main."decided" t ON h.node_id = t.node_id;
CREATE OR REPLACE TABLE "identity_work".main."hubs" AS
SELECT node_id, degree FROM "identity_work".main."hubs_named";
-- identifiers that became hubs or stopped being ones
CREATE OR REPLACE TABLE "identity_work".main."flips" AS
SELECT t.node_id
FROM "identity_work".main."decided" t
WHERE (CASE WHEN t.node_id IN (SELECT node_id FROM "identity_state"."hubs") THEN 1 ELSE 0 END)
   <> (CASE WHEN t.node_id IN (SELECT node_id FROM "identity_work".main."hubs_named") THEN 1 ELSE 0 END);
CREATE OR REPLACE TABLE "identity_work".main."fliprows_events" AS
SELECT n1, n2, n3, n4 FROM "identity_work".main."near_events" s WHERE s.n1 IN (SELECT node_id FROM "identity_work".main."flips") OR s.n2 IN (SELECT node_id FROM "identity_work".main."flips") OR s.n3 IN (SELECT node_id FROM "identity_work".main."flips") OR s.n4 IN (SELECT node_id FROM "identity_work".main."flips");
CREATE OR REPLACE TABLE "identity_work".main."fliprows_orders" AS
SELECT n1, n2, n3, n4 FROM "identity_work".main."near_orders" s WHERE s.n1 IN (SELECT node_id FROM "identity_work".main."flips") OR s.n2 IN (SELECT node_id FROM "identity_work".main."flips") OR s.n3 IN (SELECT node_id FROM "identity_work".main."flips") OR s.n4 IN (SELECT node_id FROM "identity_work".main."flips");
CREATE OR REPLACE TABLE "identity_work".main."fliprows_crm_contacts" AS
SELECT n1, n2, n3 FROM "identity_work".main."near_crm_contacts" s WHERE s.n1 IN (SELECT node_id FROM "identity_work".main."flips") OR s.n2 IN (SELECT node_id FROM "identity_work".main."flips") OR s.n3 IN (SELECT node_id FROM "identity_work".main."flips");
-- touched identifiers, the partners of those whose hub decision flipped, and the regions a changed limit can split
CREATE OR REPLACE TABLE "identity_work".main."seeds" AS
SELECT DISTINCT node_id FROM (
  SELECT node_id FROM "identity_work".main."touched"
  UNION ALL SELECT n1 FROM "identity_work".main."fliprows_events" WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 FROM "identity_work".main."fliprows_events" WHERE n2 IS NOT NULL
  UNION ALL SELECT n3 FROM "identity_work".main."fliprows_events" WHERE n3 IS NOT NULL
  UNION ALL SELECT n4 FROM "identity_work".main."fliprows_events" WHERE n4 IS NOT NULL
  UNION ALL SELECT n1 FROM "identity_work".main."fliprows_orders" WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 FROM "identity_work".main."fliprows_orders" WHERE n2 IS NOT NULL
  UNION ALL SELECT n3 FROM "identity_work".main."fliprows_orders" WHERE n3 IS NOT NULL
  UNION ALL SELECT n4 FROM "identity_work".main."fliprows_orders" WHERE n4 IS NOT NULL
  UNION ALL SELECT n1 FROM "identity_work".main."fliprows_crm_contacts" WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 FROM "identity_work".main."fliprows_crm_contacts" WHERE n2 IS NOT NULL
  UNION ALL SELECT n3 FROM "identity_work".main."fliprows_crm_contacts" WHERE n3 IS NOT NULL
) s;
-- every identifier of the regions the seeds are in
CREATE OR REPLACE TABLE "identity_work".main."rnodes" AS
SELECT DISTINCT node_id FROM (
  SELECT node_id FROM "identity_state"."regions"
  WHERE region IN (
    SELECT r.region FROM "identity_state"."regions" r JOIN "identity_work".main."seeds" s ON r.node_id = s.node_id
  )
  UNION ALL
  SELECT node_id FROM "identity_work".main."seeds"
) n
-- A hub's rows span many regions: it is in none, and its rows come in only through the others.
WHERE node_id NOT IN (SELECT node_id FROM "identity_work".main."hubs");
-- the value of every identifier on the rows of those regions
CREATE OR REPLACE TABLE "identity_work".main."names" AS
SELECT DISTINCT node_id, id_value FROM (
  SELECT node_id, id_value FROM "identity"."id_graph"
  WHERE node_id IN (SELECT node_id FROM "identity_work".main."rnodes")
  UNION ALL
  SELECT CAST(CAST(hash(id_type, id_value) AS HUGEINT) - 9223372036854775808 AS BIGINT) AS node_id, id_value FROM "identity"."id_quarantine"
  WHERE reason IN ('limit_conflict', 'anonymous_isolated')
  UNION ALL
  SELECT node_id, id_value FROM "identity_work".main."decided"
  UNION ALL
  SELECT node_id, id_value FROM "identity_work".main."hubs_named"
) n;
-- rows of events in those regions
CREATE OR REPLACE TABLE "identity_work".main."src_events" AS
-- The stored rows that hold one of the identifiers, less those this run replaces, and the new
-- rows that hold one: filtering by identifier first keeps the costlier test to few rows.
SELECT ts, row_hash, t1, f1, n1, n2, n3, n4 FROM (
  SELECT * FROM "identity_state"."rows_events" s WHERE s.n1 IN (SELECT node_id FROM "identity_work".main."rnodes") OR s.n2 IN (SELECT node_id FROM "identity_work".main."rnodes") OR s.n3 IN (SELECT node_id FROM "identity_work".main."rnodes") OR s.n4 IN (SELECT node_id FROM "identity_work".main."rnodes")
) s
WHERE NOT ((ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) AND s.row_hash IN (SELECT row_hash FROM "identity_work".main."gone_events"))
UNION ALL
SELECT ts, row_hash, t1, f1, n1, n2, n3, n4 FROM "identity_work".main."ins_events" s WHERE s.n1 IN (SELECT node_id FROM "identity_work".main."rnodes") OR s.n2 IN (SELECT node_id FROM "identity_work".main."rnodes") OR s.n3 IN (SELECT node_id FROM "identity_work".main."rnodes") OR s.n4 IN (SELECT node_id FROM "identity_work".main."rnodes");
-- rows of orders in those regions
CREATE OR REPLACE TABLE "identity_work".main."src_orders" AS
-- The stored rows that hold one of the identifiers, less those this run replaces, and the new
-- rows that hold one: filtering by identifier first keeps the costlier test to few rows.
SELECT ts, row_hash, t1, f1, t2, f2, t3, f3, n1, n2, n3, n4 FROM (
  SELECT * FROM "identity_state"."rows_orders" s WHERE s.n1 IN (SELECT node_id FROM "identity_work".main."rnodes") OR s.n2 IN (SELECT node_id FROM "identity_work".main."rnodes") OR s.n3 IN (SELECT node_id FROM "identity_work".main."rnodes") OR s.n4 IN (SELECT node_id FROM "identity_work".main."rnodes")
) s
WHERE NOT ((ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) AND s.row_hash IN (SELECT row_hash FROM "identity_work".main."gone_orders"))
UNION ALL
SELECT ts, row_hash, t1, f1, t2, f2, t3, f3, n1, n2, n3, n4 FROM "identity_work".main."ins_orders" s WHERE s.n1 IN (SELECT node_id FROM "identity_work".main."rnodes") OR s.n2 IN (SELECT node_id FROM "identity_work".main."rnodes") OR s.n3 IN (SELECT node_id FROM "identity_work".main."rnodes") OR s.n4 IN (SELECT node_id FROM "identity_work".main."rnodes");
-- rows of crm_contacts in those regions
CREATE OR REPLACE TABLE "identity_work".main."src_crm_contacts" AS
-- The stored rows that hold one of the identifiers, less those this run replaces, and the new
-- rows that hold one: filtering by identifier first keeps the costlier test to few rows.
SELECT ts, row_hash, n1, n2, n3 FROM (
  SELECT * FROM "identity_state"."rows_crm_contacts" s WHERE s.n1 IN (SELECT node_id FROM "identity_work".main."rnodes") OR s.n2 IN (SELECT node_id FROM "identity_work".main."rnodes") OR s.n3 IN (SELECT node_id FROM "identity_work".main."rnodes")
) s
WHERE NOT ((ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) AND s.row_hash IN (SELECT row_hash FROM "identity_work".main."gone_crm_contacts"))
UNION ALL
SELECT ts, row_hash, n1, n2, n3 FROM "identity_work".main."ins_crm_contacts" s WHERE s.n1 IN (SELECT node_id FROM "identity_work".main."rnodes") OR s.n2 IN (SELECT node_id FROM "identity_work".main."rnodes") OR s.n3 IN (SELECT node_id FROM "identity_work".main."rnodes");

-- ===== stage nodes: distinct (id_type, value) with a 64-bit node id
-- values from the published identifiers, the changed rows and the hubs
CREATE OR REPLACE TABLE "identity_work".main."nodes" AS
SELECT i.node_id, i.id_type, nm.id_value, i.type_rank, i.first_seen_at, i.last_seen_at, i.row_count
FROM (
  SELECT node_id, id_type, type_rank, MIN(ts) AS first_seen_at, MAX(ts) AS last_seen_at, COUNT(*) AS row_count
  FROM (
    SELECT n1 AS node_id, 'user_id' AS id_type, 0 AS type_rank, ts
    FROM "identity_work".main."src_events" WHERE n1 IS NOT NULL
    UNION ALL SELECT n2 AS node_id, 'email' AS id_type, 1 AS type_rank, ts
    FROM "identity_work".main."src_events" WHERE n2 IS NOT NULL
    UNION ALL SELECT n3 AS node_id, 'device_id' AS id_type, 3 AS type_rank, ts
    FROM "identity_work".main."src_events" WHERE n3 IS NOT NULL
    UNION ALL SELECT n4 AS node_id, 'anonymous_id' AS id_type, 4 AS type_rank, ts
    FROM "identity_work".main."src_events" WHERE n4 IS NOT NULL
    UNION ALL SELECT n1 AS node_id, 'user_id' AS id_type, 0 AS type_rank, ts
    FROM "identity_work".main."src_orders" WHERE n1 IS NOT NULL
    UNION ALL SELECT n2 AS node_id, 'email' AS id_type, 1 AS type_rank, ts
    FROM "identity_work".main."src_orders" WHERE n2 IS NOT NULL
    UNION ALL SELECT n3 AS node_id, 'email' AS id_type, 1 AS type_rank, ts
    FROM "identity_work".main."src_orders" WHERE n3 IS NOT NULL
    UNION ALL SELECT n4 AS node_id, 'phone' AS id_type, 2 AS type_rank, ts
    FROM "identity_work".main."src_orders" WHERE n4 IS NOT NULL
    UNION ALL SELECT n1 AS node_id, 'user_id' AS id_type, 0 AS type_rank, ts
    FROM "identity_work".main."src_crm_contacts" WHERE n1 IS NOT NULL
    UNION ALL SELECT n2 AS node_id, 'email' AS id_type, 1 AS type_rank, ts
    FROM "identity_work".main."src_crm_contacts" WHERE n2 IS NOT NULL
    UNION ALL SELECT n3 AS node_id, 'phone' AS id_type, 2 AS type_rank, ts
    FROM "identity_work".main."src_crm_contacts" WHERE n3 IS NOT NULL
  ) i
  GROUP BY node_id, id_type, type_rank
) i
LEFT JOIN "identity_work".main."names" nm ON i.node_id = nm.node_id;
-- two distinct identifiers must never share a node id
-- check: this count must be 0, else: two different identifiers hashed to the same 64-bit node id; the run stopped so that they are not merged (report this as a bug with the warehouse type)
SELECT COUNT(*) FROM (
  SELECT node_id FROM "identity_work".main."nodes" GROUP BY node_id HAVING COUNT(*) > 1
) c;
-- every identifier of the recomputed regions has its value
-- check: this count must be 0, else: an identifier of the recomputed regions has no stored value, so the stored state is not what this version expects; run `idstitch run --full` (and report this as a bug)
SELECT COUNT(*) FROM "identity_work".main."nodes" WHERE id_value IS NULL;

-- ===== stage guards: values that are invalid or blocked, and hubs, are kept out of the graph
-- source events without its hubs
CREATE OR REPLACE TABLE "identity_work".main."kept_events" AS
SELECT ts,
  CASE WHEN n1 IN (SELECT node_id FROM "identity_work".main."hubs") THEN NULL ELSE n1 END AS n1,
  CASE WHEN n2 IN (SELECT node_id FROM "identity_work".main."hubs") THEN NULL ELSE n2 END AS n2,
  CASE WHEN n3 IN (SELECT node_id FROM "identity_work".main."hubs") THEN NULL ELSE n3 END AS n3,
  CASE WHEN n4 IN (SELECT node_id FROM "identity_work".main."hubs") THEN NULL ELSE n4 END AS n4
FROM "identity_work".main."src_events";
-- source orders without its hubs
CREATE OR REPLACE TABLE "identity_work".main."kept_orders" AS
SELECT ts,
  CASE WHEN n1 IN (SELECT node_id FROM "identity_work".main."hubs") THEN NULL ELSE n1 END AS n1,
  CASE WHEN n2 IN (SELECT node_id FROM "identity_work".main."hubs") THEN NULL ELSE n2 END AS n2,
  CASE WHEN n3 IN (SELECT node_id FROM "identity_work".main."hubs") THEN NULL ELSE n3 END AS n3,
  CASE WHEN n4 IN (SELECT node_id FROM "identity_work".main."hubs") THEN NULL ELSE n4 END AS n4
FROM "identity_work".main."src_orders";
-- source crm_contacts without its hubs
CREATE OR REPLACE TABLE "identity_work".main."kept_crm_contacts" AS
SELECT ts,
  CASE WHEN n1 IN (SELECT node_id FROM "identity_work".main."hubs") THEN NULL ELSE n1 END AS n1,
  CASE WHEN n2 IN (SELECT node_id FROM "identity_work".main."hubs") THEN NULL ELSE n2 END AS n2,
  CASE WHEN n3 IN (SELECT node_id FROM "identity_work".main."hubs") THEN NULL ELSE n3 END AS n3
FROM "identity_work".main."src_crm_contacts";

-- ===== stage edges: identifiers on one row are linked as a star from the row's first identifier
CREATE OR REPLACE TABLE "identity_work".main."edges" AS
SELECT a, b, CAST(SUM(n) AS BIGINT) AS row_count, MIN(first_seen_at) AS first_seen_at, MAX(last_seen_at) AS last_seen_at,
  array_to_string(list_sort(list(source)), ',') AS sources
FROM (
  SELECT LEAST(a, b) AS a, GREATEST(a, b) AS b, source, COUNT(*) AS n, MIN(ts) AS first_seen_at, MAX(ts) AS last_seen_at
  FROM (
    SELECT COALESCE(n1, n2, n3, n4) AS a, n2 AS b, ts, 'events' AS source
    FROM "identity_work".main."kept_events" WHERE n2 IS NOT NULL AND n2 <> COALESCE(n1, n2, n3, n4)
    UNION ALL SELECT COALESCE(n1, n2, n3, n4) AS a, n3 AS b, ts, 'events' AS source
    FROM "identity_work".main."kept_events" WHERE n3 IS NOT NULL AND n3 <> COALESCE(n1, n2, n3, n4)
    UNION ALL SELECT COALESCE(n1, n2, n3, n4) AS a, n4 AS b, ts, 'events' AS source
    FROM "identity_work".main."kept_events" WHERE n4 IS NOT NULL AND n4 <> COALESCE(n1, n2, n3, n4)
    UNION ALL SELECT COALESCE(n1, n2, n3, n4) AS a, n2 AS b, ts, 'orders' AS source
    FROM "identity_work".main."kept_orders" WHERE n2 IS NOT NULL AND n2 <> COALESCE(n1, n2, n3, n4)
    UNION ALL SELECT COALESCE(n1, n2, n3, n4) AS a, n3 AS b, ts, 'orders' AS source
    FROM "identity_work".main."kept_orders" WHERE n3 IS NOT NULL AND n3 <> COALESCE(n1, n2, n3, n4)
    UNION ALL SELECT COALESCE(n1, n2, n3, n4) AS a, n4 AS b, ts, 'orders' AS source
    FROM "identity_work".main."kept_orders" WHERE n4 IS NOT NULL AND n4 <> COALESCE(n1, n2, n3, n4)
    UNION ALL SELECT COALESCE(n1, n2, n3) AS a, n2 AS b, ts, 'crm_contacts' AS source
    FROM "identity_work".main."kept_crm_contacts" WHERE n2 IS NOT NULL AND n2 <> COALESCE(n1, n2, n3)
    UNION ALL SELECT COALESCE(n1, n2, n3) AS a, n3 AS b, ts, 'crm_contacts' AS source
    FROM "identity_work".main."kept_crm_contacts" WHERE n3 IS NOT NULL AND n3 <> COALESCE(n1, n2, n3)
  ) e
  GROUP BY LEAST(a, b), GREATEST(a, b), source
) per_source
GROUP BY a, b;

-- ===== stage components: connected components by randomised contraction
-- round 0: the graph's edges
CREATE OR REPLACE TABLE "identity_work".main."cc_edges_0" AS
SELECT e.a, e.b FROM "identity_work".main."edges" e;

-- rounds 1 to 3; the runner stops when the count below reaches 0 (edges left)
-- round 1: every node picks the neighbour (or itself) with the smallest hash
CREATE OR REPLACE TABLE "identity_work".main."cc_map_1" AS
SELECT v, arg_min(u, CAST(CAST(hash(u, 1) AS HUGEINT) - 9223372036854775808 AS BIGINT)) AS rep
FROM (
  SELECT a AS v, b AS u FROM "identity_work".main."cc_edges_0"
  UNION ALL SELECT b AS v, a AS u FROM "identity_work".main."cc_edges_0"
  UNION ALL SELECT a AS v, a AS u FROM "identity_work".main."cc_edges_0"
  UNION ALL SELECT b AS v, b AS u FROM "identity_work".main."cc_edges_0"
) n
GROUP BY v;
-- round 1: rewrite edges onto representatives; drop self-loops
CREATE OR REPLACE TABLE "identity_work".main."cc_edges_1" AS
SELECT DISTINCT LEAST(ma.rep, mb.rep) AS a, GREATEST(ma.rep, mb.rep) AS b
FROM "identity_work".main."cc_edges_0" e
JOIN "identity_work".main."cc_map_1" ma ON e.a = ma.v
JOIN "identity_work".main."cc_map_1" mb ON e.b = mb.v
WHERE ma.rep <> mb.rep;
DROP TABLE IF EXISTS "identity_work".main."cc_edges_0";
-- round 2: every node picks the neighbour (or itself) with the smallest hash
CREATE OR REPLACE TABLE "identity_work".main."cc_map_2" AS
SELECT v, arg_min(u, CAST(CAST(hash(u, 2) AS HUGEINT) - 9223372036854775808 AS BIGINT)) AS rep
FROM (
  SELECT a AS v, b AS u FROM "identity_work".main."cc_edges_1"
  UNION ALL SELECT b AS v, a AS u FROM "identity_work".main."cc_edges_1"
  UNION ALL SELECT a AS v, a AS u FROM "identity_work".main."cc_edges_1"
  UNION ALL SELECT b AS v, b AS u FROM "identity_work".main."cc_edges_1"
) n
GROUP BY v;
-- round 2: rewrite edges onto representatives; drop self-loops
CREATE OR REPLACE TABLE "identity_work".main."cc_edges_2" AS
SELECT DISTINCT LEAST(ma.rep, mb.rep) AS a, GREATEST(ma.rep, mb.rep) AS b
FROM "identity_work".main."cc_edges_1" e
JOIN "identity_work".main."cc_map_2" ma ON e.a = ma.v
JOIN "identity_work".main."cc_map_2" mb ON e.b = mb.v
WHERE ma.rep <> mb.rep;
DROP TABLE IF EXISTS "identity_work".main."cc_edges_1";
-- round 3: every node picks the neighbour (or itself) with the smallest hash
CREATE OR REPLACE TABLE "identity_work".main."cc_map_3" AS
SELECT v, arg_min(u, CAST(CAST(hash(u, 3) AS HUGEINT) - 9223372036854775808 AS BIGINT)) AS rep
FROM (
  SELECT a AS v, b AS u FROM "identity_work".main."cc_edges_2"
  UNION ALL SELECT b AS v, a AS u FROM "identity_work".main."cc_edges_2"
  UNION ALL SELECT a AS v, a AS u FROM "identity_work".main."cc_edges_2"
  UNION ALL SELECT b AS v, b AS u FROM "identity_work".main."cc_edges_2"
) n
GROUP BY v;
-- round 3: rewrite edges onto representatives; drop self-loops
CREATE OR REPLACE TABLE "identity_work".main."cc_edges_3" AS
SELECT DISTINCT LEAST(ma.rep, mb.rep) AS a, GREATEST(ma.rep, mb.rep) AS b
FROM "identity_work".main."cc_edges_2" e
JOIN "identity_work".main."cc_map_3" ma ON e.a = ma.v
JOIN "identity_work".main."cc_map_3" mb ON e.b = mb.v
WHERE ma.rep <> mb.rep;
DROP TABLE IF EXISTS "identity_work".main."cc_edges_2";
-- 3 rounds must have been enough
-- check: this count must be 0, else: the loop did not finish in the unrolled rounds; compile with more --rounds
SELECT COUNT(*) FROM "identity_work".main."cc_edges_3";
-- compose the 3 round maps, last to first
CREATE OR REPLACE TABLE "identity_work".main."cc_rep_3" AS
SELECT v, rep FROM "identity_work".main."cc_map_3";
CREATE OR REPLACE TABLE "identity_work".main."cc_rep_2" AS
SELECT m.v, COALESCE(r.rep, m.rep) AS rep
FROM "identity_work".main."cc_map_2" m
LEFT JOIN "identity_work".main."cc_rep_3" r ON m.rep = r.v;
DROP TABLE IF EXISTS "identity_work".main."cc_rep_3";
CREATE OR REPLACE TABLE "identity_work".main."cc_rep_1" AS
SELECT m.v, COALESCE(r.rep, m.rep) AS rep
FROM "identity_work".main."cc_map_1" m
LEFT JOIN "identity_work".main."cc_rep_2" r ON m.rep = r.v;
DROP TABLE IF EXISTS "identity_work".main."cc_rep_2";
-- label: the smallest node id of the component, whatever the random choices
CREATE OR REPLACE TABLE "identity_work".main."labels" AS
SELECT v AS node_id, MIN(v) OVER (PARTITION BY rep) AS component
FROM "identity_work".main."cc_rep_1";
DROP TABLE IF EXISTS "identity_work".main."cc_rep_1";
DROP TABLE IF EXISTS "identity_work".main."cc_edges_3";
DROP TABLE IF EXISTS "identity_work".main."cc_map_1";
DROP TABLE IF EXISTS "identity_work".main."cc_map_2";
DROP TABLE IF EXISTS "identity_work".main."cc_map_3";
-- the partition that the limits and policies below refine
CREATE OR REPLACE TABLE "identity_work".main."groups_0" AS
SELECT n.node_id, COALESCE(l.component, n.node_id) AS grp
FROM "identity_work".main."nodes" n
LEFT JOIN "identity_work".main."labels" l ON n.node_id = l.node_id
WHERE 1 = 1
  AND n.node_id NOT IN (SELECT node_id FROM "identity_work".main."hubs");

-- ===== stage limit_user_id: at most 1 user_id per profile: split the profiles that hold more
-- profiles over the limit
CREATE OR REPLACE TABLE "identity_work".main."lim_violating" AS
SELECT g.grp
FROM "identity_work".main."groups_0" g
JOIN "identity_work".main."nodes" n ON g.node_id = n.node_id
WHERE n.id_type = 'user_id'
GROUP BY g.grp
HAVING COUNT(*) > 1;
-- their links, both ways
CREATE OR REPLACE TABLE "identity_work".main."lim_edges" AS
SELECT u, v, row_count, last_seen_at
FROM (
  SELECT e.a AS u, e.b AS v, e.row_count, e.last_seen_at, ga.grp AS gu, gb.grp AS gv
  FROM "identity_work".main."edges" e
  JOIN "identity_work".main."groups_0" ga ON e.a = ga.node_id
  JOIN "identity_work".main."groups_0" gb ON e.b = gb.node_id
  UNION ALL
  SELECT e.b AS u, e.a AS v, e.row_count, e.last_seen_at, gb.grp AS gu, ga.grp AS gv
  FROM "identity_work".main."edges" e
  JOIN "identity_work".main."groups_0" ga ON e.a = ga.node_id
  JOIN "identity_work".main."groups_0" gb ON e.b = gb.node_id
) d
WHERE gu = gv AND gu IN (SELECT grp FROM "identity_work".main."lim_violating");
-- their identifiers of this type are the anchors
CREATE OR REPLACE TABLE "identity_work".main."lim_seen_0" AS
SELECT g.node_id AS node, g.node_id AS anchor, 0 AS anchors
FROM "identity_work".main."groups_0" g
JOIN "identity_work".main."nodes" n ON g.node_id = n.node_id
WHERE n.id_type = 'user_id' AND g.grp IN (SELECT grp FROM "identity_work".main."lim_violating");
CREATE OR REPLACE TABLE "identity_work".main."lim_front_0" AS
SELECT node, anchor, anchors FROM "identity_work".main."lim_seen_0";

-- rounds 1 to 3; the runner stops when the count below reaches 0 (identifiers reached)
-- ring 1: each identifier next to the last ring joins its best anchor (more rows, then more recent, then anchor value)
CREATE OR REPLACE TABLE "identity_work".main."lim_front_1" AS
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
    FROM "identity_work".main."lim_edges" e
    JOIN "identity_work".main."lim_front_0" f ON e.u = f.node
    JOIN "identity_work".main."nodes" a ON f.anchor = a.node_id
    WHERE e.v NOT IN (SELECT node FROM "identity_work".main."lim_seen_0")
    GROUP BY e.v, f.anchor, a.id_value
  ) c
) r
WHERE pos = 1;
CREATE OR REPLACE TABLE "identity_work".main."lim_seen_1" AS
SELECT node, anchor, anchors FROM "identity_work".main."lim_seen_0"
UNION ALL
SELECT node, anchor, anchors FROM "identity_work".main."lim_front_1";
DROP TABLE IF EXISTS "identity_work".main."lim_front_0";
DROP TABLE IF EXISTS "identity_work".main."lim_seen_0";
-- ring 2: each identifier next to the last ring joins its best anchor (more rows, then more recent, then anchor value)
CREATE OR REPLACE TABLE "identity_work".main."lim_front_2" AS
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
    FROM "identity_work".main."lim_edges" e
    JOIN "identity_work".main."lim_front_1" f ON e.u = f.node
    JOIN "identity_work".main."nodes" a ON f.anchor = a.node_id
    WHERE e.v NOT IN (SELECT node FROM "identity_work".main."lim_seen_1")
    GROUP BY e.v, f.anchor, a.id_value
  ) c
) r
WHERE pos = 1;
CREATE OR REPLACE TABLE "identity_work".main."lim_seen_2" AS
SELECT node, anchor, anchors FROM "identity_work".main."lim_seen_1"
UNION ALL
SELECT node, anchor, anchors FROM "identity_work".main."lim_front_2";
DROP TABLE IF EXISTS "identity_work".main."lim_front_1";
DROP TABLE IF EXISTS "identity_work".main."lim_seen_1";
-- ring 3: each identifier next to the last ring joins its best anchor (more rows, then more recent, then anchor value)
CREATE OR REPLACE TABLE "identity_work".main."lim_front_3" AS
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
    FROM "identity_work".main."lim_edges" e
    JOIN "identity_work".main."lim_front_2" f ON e.u = f.node
    JOIN "identity_work".main."nodes" a ON f.anchor = a.node_id
    WHERE e.v NOT IN (SELECT node FROM "identity_work".main."lim_seen_2")
    GROUP BY e.v, f.anchor, a.id_value
  ) c
) r
WHERE pos = 1;
CREATE OR REPLACE TABLE "identity_work".main."lim_seen_3" AS
SELECT node, anchor, anchors FROM "identity_work".main."lim_seen_2"
UNION ALL
SELECT node, anchor, anchors FROM "identity_work".main."lim_front_3";
DROP TABLE IF EXISTS "identity_work".main."lim_front_2";
DROP TABLE IF EXISTS "identity_work".main."lim_seen_2";
-- 3 rounds must have been enough
-- check: this count must be 0, else: the loop did not finish in the unrolled rounds; compile with more --rounds
SELECT COUNT(*) FROM "identity_work".main."lim_front_3";
-- the refined partition; identifiers no anchor reached stay together
CREATE OR REPLACE TABLE "identity_work".main."groups_1" AS
SELECT node_id,
  CASE
    WHEN violating = 0 THEN grp
    WHEN anchor IS NOT NULL THEN anchor
    ELSE MIN(CASE WHEN anchor IS NULL THEN node_id END) OVER (PARTITION BY grp)
  END AS grp
FROM (
  SELECT g.node_id, g.grp, s.anchor,
    CASE WHEN g.grp IN (SELECT grp FROM "identity_work".main."lim_violating") THEN 1 ELSE 0 END AS violating
  FROM "identity_work".main."groups_0" g
  LEFT JOIN "identity_work".main."lim_seen_3" s ON g.node_id = s.node
  WHERE s.node IS NULL OR s.anchor IS NOT NULL
) x;
DROP TABLE IF EXISTS "identity_work".main."lim_front_3";
DROP TABLE IF EXISTS "identity_work".main."lim_seen_3";

-- ===== stage ids: one universal id per profile, from its anchor identifier
-- every identifier in the graph with its profile
CREATE OR REPLACE TABLE "identity_work".main."assign" AS
SELECT n.node_id, n.id_type, n.id_value, n.type_rank, n.first_seen_at, n.last_seen_at, n.row_count,
  g.grp AS component
FROM "identity_work".main."nodes" n
JOIN "identity_work".main."groups_1" g ON n.node_id = g.node_id;
-- anchor: earliest first_seen, then type priority, then value
CREATE OR REPLACE TABLE "identity_work".main."anchors" AS
SELECT component, anchor.id_type AS anchor_type, anchor.id_value AS anchor_value,
  md5(('demo' || '|' || anchor.id_type || '|' || anchor.id_value)) AS universal_id
FROM (
  SELECT component,
    arg_min({id_type: id_type, id_value: id_value}, (COALESCE(first_seen_at, TIMESTAMP '9999-12-31'), type_rank, id_value)) AS anchor
  FROM "identity_work".main."assign"
  GROUP BY component
) a;
-- every identifier with its universal id
CREATE OR REPLACE TABLE "identity_work".main."graph" AS
SELECT a.universal_id, n.id_type, n.id_value, n.first_seen_at, n.last_seen_at, n.row_count, n.node_id, n.component
FROM "identity_work".main."assign" n
JOIN "identity_work".main."anchors" a ON n.component = a.component;
-- every identifier's region, quarantined ones too
CREATE OR REPLACE TABLE "identity_work".main."regions_new" AS
SELECT n.node_id, COALESCE(l.component, n.node_id) AS region, n.id_type
FROM "identity_work".main."nodes" n
LEFT JOIN "identity_work".main."labels" l ON n.node_id = l.node_id
WHERE n.node_id NOT IN (SELECT node_id FROM "identity_work".main."hubs");

-- ===== stage traits: profile columns computed from the sources' rows
-- rows of events with their profile
CREATE OR REPLACE TABLE "identity_work".main."trait_rows_events" AS
SELECT COALESCE(g1.universal_id, g2.universal_id, g3.universal_id, g4.universal_id, CAST(NULL AS VARCHAR)) AS universal_id, s.ts, s.t1, s.f1
FROM "identity_work".main."src_events" s
LEFT JOIN "identity_work".main."graph" g1 ON s.n1 = g1.node_id
LEFT JOIN "identity_work".main."graph" g2 ON s.n2 = g2.node_id
LEFT JOIN "identity_work".main."graph" g3 ON s.n3 = g3.node_id
LEFT JOIN "identity_work".main."graph" g4 ON s.n4 = g4.node_id;
CREATE OR REPLACE TABLE "identity_work".main."traits_events" AS
SELECT universal_id,
  COUNT(CASE WHEN f1 = 1 THEN 1 END) AS "cart_abandons_90d"
FROM "identity_work".main."trait_rows_events"
WHERE universal_id IS NOT NULL
GROUP BY universal_id;
-- rows of orders with their profile
CREATE OR REPLACE TABLE "identity_work".main."trait_rows_orders" AS
SELECT COALESCE(g1.universal_id, g2.universal_id, g3.universal_id, g4.universal_id, CAST(NULL AS VARCHAR)) AS universal_id, s.ts, s.t1, s.f1, s.t2, s.f2, s.t3, s.f3
FROM "identity_work".main."src_orders" s
LEFT JOIN "identity_work".main."graph" g1 ON s.n1 = g1.node_id
LEFT JOIN "identity_work".main."graph" g2 ON s.n2 = g2.node_id
LEFT JOIN "identity_work".main."graph" g3 ON s.n3 = g3.node_id
LEFT JOIN "identity_work".main."graph" g4 ON s.n4 = g4.node_id;
CREATE OR REPLACE TABLE "identity_work".main."traits_orders" AS
SELECT universal_id,
  SUM(CASE WHEN f1 = 1 THEN t1 END) AS "lifetime_revenue",
  COUNT(CASE WHEN f2 = 1 THEN 1 END) AS "orders",
  MAX(CASE WHEN f3 = 1 THEN t3 END) AS "last_order_at"
FROM "identity_work".main."trait_rows_orders"
WHERE universal_id IS NOT NULL
GROUP BY universal_id;

-- ===== stage outputs: the recomputed regions' rows of the output tables, and what changed
-- every identifier whose published rows are replaced
CREATE OR REPLACE TABLE "identity_work".main."redo" AS
SELECT DISTINCT node_id, id_type, id_value FROM (SELECT node_id, id_type, id_value FROM "identity_work".main."nodes" UNION ALL SELECT node_id, id_type, id_value FROM "identity_work".main."touched" UNION ALL SELECT node_id, id_type, id_value FROM "identity_work".main."decided" WHERE node_id IN (SELECT node_id FROM "identity_work".main."flips")) r;
-- their published universal ids
CREATE OR REPLACE TABLE "identity_work".main."old_map" AS
SELECT node_id, universal_id FROM "identity"."id_graph" WHERE node_id IN (SELECT node_id FROM "identity_work".main."redo");
CREATE OR REPLACE TABLE "identity_work".main."redo_ids" AS
SELECT DISTINCT universal_id FROM (SELECT universal_id FROM "identity_work".main."old_map" UNION ALL SELECT universal_id FROM "identity_work".main."graph") u;
-- universal ids that are new, merged, split or quarantined since the last run
CREATE OR REPLACE TABLE "identity_work".main."changes" AS
SELECT CASE
    WHEN p.new_id IS NULL THEN 'quarantine'
    WHEN p.old_id IS NULL THEN 'new'
    WHEN p.old_id IN (SELECT universal_id FROM "identity_work".main."graph") THEN 'split'
    ELSE 'merge'
  END AS kind,
  p.old_id AS old_universal_id, p.new_id AS new_universal_id, p.moved AS identifiers
FROM (
  SELECT old_id, new_id, COUNT(*) AS moved
  FROM (
    SELECT o.universal_id AS old_id, n.universal_id AS new_id
    FROM "identity_work".main."old_map" o
    FULL OUTER JOIN "identity_work".main."graph" n ON o.node_id = n.node_id
  ) m
  WHERE old_id IS NULL OR new_id IS NULL OR old_id <> new_id
  GROUP BY old_id, new_id
) p
-- identifiers seen for the first time that join a profile which already existed change no id
WHERE NOT (p.old_id IS NULL AND p.new_id IN (SELECT universal_id FROM "identity_work".main."old_map"));
CREATE OR REPLACE TABLE "identity_work".main."profiles_base" AS
SELECT a.universal_id, p.first_seen_at, p.last_seen_at, p.identifiers, p."user_id_count", p."latest_user_id", p."email_count", p."latest_email", p."phone_count", p."latest_phone", p."device_id_count", p."latest_device_id", p."anonymous_id_count", p."latest_anonymous_id"
FROM (
  SELECT component,
    MIN(first_seen_at) AS first_seen_at,
    MAX(last_seen_at) AS last_seen_at,
    COUNT(*) AS identifiers,
    COUNT(*) FILTER (WHERE id_type = 'user_id') AS "user_id_count",
    arg_max(id_value, (COALESCE(last_seen_at, TIMESTAMP '0001-01-01'), id_value)) FILTER (WHERE id_type = 'user_id') AS "latest_user_id",
    COUNT(*) FILTER (WHERE id_type = 'email') AS "email_count",
    arg_max(id_value, (COALESCE(last_seen_at, TIMESTAMP '0001-01-01'), id_value)) FILTER (WHERE id_type = 'email') AS "latest_email",
    COUNT(*) FILTER (WHERE id_type = 'phone') AS "phone_count",
    arg_max(id_value, (COALESCE(last_seen_at, TIMESTAMP '0001-01-01'), id_value)) FILTER (WHERE id_type = 'phone') AS "latest_phone",
    COUNT(*) FILTER (WHERE id_type = 'device_id') AS "device_id_count",
    arg_max(id_value, (COALESCE(last_seen_at, TIMESTAMP '0001-01-01'), id_value)) FILTER (WHERE id_type = 'device_id') AS "latest_device_id",
    COUNT(*) FILTER (WHERE id_type = 'anonymous_id') AS "anonymous_id_count",
    arg_max(id_value, (COALESCE(last_seen_at, TIMESTAMP '0001-01-01'), id_value)) FILTER (WHERE id_type = 'anonymous_id') AS "latest_anonymous_id"
  FROM "identity_work".main."assign"
  GROUP BY component
) p
JOIN "identity_work".main."anchors" a ON p.component = a.component;
-- profiles with their traits and audience flags
CREATE OR REPLACE TABLE "identity_work".main."profiles_region" AS
SELECT p.*,
  CASE WHEN (lifetime_revenue > 300 and orders >= 3) THEN TRUE ELSE FALSE END AS "loyal_customers",
  CASE WHEN (cart_abandons_90d >= 2) THEN TRUE ELSE FALSE END AS "frequent_cart_abandoners"
FROM (
  SELECT b.*,
    COALESCE(t1."cart_abandons_90d", 0) AS "cart_abandons_90d",
    t2."lifetime_revenue" AS "lifetime_revenue",
    COALESCE(t2."orders", 0) AS "orders",
    t2."last_order_at" AS "last_order_at"
  FROM "identity_work".main."profiles_base" b
  LEFT JOIN "identity_work".main."traits_events" t1 ON b.universal_id = t1.universal_id
  LEFT JOIN "identity_work".main."traits_orders" t2 ON b.universal_id = t2.universal_id
) p;
CREATE OR REPLACE TABLE "identity_work".main."edges_region" AS
SELECT ga.universal_id,
  ga.id_type AS id_type_a, ga.id_value AS id_value_a,
  gb.id_type AS id_type_b, gb.id_value AS id_value_b,
  e.row_count, e.first_seen_at, e.last_seen_at, e.sources
FROM "identity_work".main."edges" e
JOIN "identity_work".main."graph" ga ON e.a = ga.node_id
JOIN "identity_work".main."graph" gb ON e.b = gb.node_id
WHERE ga.component = gb.component;
-- what was kept out of the graph, and why
CREATE OR REPLACE TABLE "identity"."id_quarantine__next" AS
SELECT id_type, id_value, reason, evidence, CAST(0 AS BIGINT) AS run_id
FROM (
  SELECT id_type, id_value, reason, evidence FROM "identity_work".main."qvalues_new"
  UNION ALL SELECT q.id_type, q.id_value, q.reason, q.evidence
FROM "identity"."id_quarantine" q
WHERE q.reason IN ('limit_conflict', 'anonymous_isolated')
  AND NOT EXISTS (SELECT 1 FROM "identity_work".main."redo" r WHERE r.id_type = q.id_type AND r.id_value = q.id_value)
  UNION ALL SELECT id_type, id_value, 'hub' AS reason, degree AS evidence FROM "identity_work".main."hubs_named"
) q;
-- audience members; those already in keep the time they entered
CREATE OR REPLACE TABLE "identity"."audience_members__next" AS
SELECT m.audience, m.universal_id, COALESCE(prev.entered_at, CAST(current_timestamp AS TIMESTAMP)) AS entered_at
FROM (
  SELECT 'loyal_customers' AS audience, universal_id FROM "identity_work".main."profiles_region" WHERE "loyal_customers"
  UNION ALL SELECT 'frequent_cart_abandoners' AS audience, universal_id FROM "identity_work".main."profiles_region" WHERE "frequent_cart_abandoners"
) m
LEFT JOIN "identity"."audience_members" prev ON prev.audience = m.audience AND prev.universal_id = m.universal_id
UNION ALL
SELECT audience, universal_id, entered_at FROM "identity"."audience_members"
WHERE universal_id NOT IN (SELECT universal_id FROM "identity_work".main."redo_ids");

-- ===== stage publish: replace the recomputed regions' rows and update the state, all together
BEGIN TRANSACTION;
DELETE FROM "identity"."id_graph" WHERE node_id IN (SELECT node_id FROM "identity_work".main."redo");
INSERT INTO "identity"."id_graph" SELECT universal_id, id_type, id_value, first_seen_at, last_seen_at, row_count, node_id
FROM "identity_work".main."graph";
DELETE FROM "identity"."profiles" WHERE universal_id IN (SELECT universal_id FROM "identity_work".main."redo_ids");
INSERT INTO "identity"."profiles" SELECT * FROM "identity_work".main."profiles_region";
DELETE FROM "identity"."id_edges" WHERE universal_id IN (SELECT universal_id FROM "identity_work".main."redo_ids");
INSERT INTO "identity"."id_edges" SELECT * FROM "identity_work".main."edges_region";
UPDATE "identity"."audience_history"
SET exited_at = CAST(current_timestamp AS TIMESTAMP)
WHERE exited_at IS NULL
  AND NOT EXISTS (
    SELECT 1 FROM "identity"."audience_members__next" n
    WHERE n.audience = "identity"."audience_history".audience AND n.universal_id = "identity"."audience_history".universal_id
  );
INSERT INTO "identity"."audience_history" (audience, universal_id, entered_at, exited_at, run_id)
SELECT n.audience, n.universal_id, n.entered_at, CAST(NULL AS TIMESTAMP), CAST(0 AS BIGINT)
FROM "identity"."audience_members__next" n
WHERE NOT EXISTS (
  SELECT 1 FROM "identity"."audience_history" h
  WHERE h.exited_at IS NULL AND h.audience = n.audience AND h.universal_id = n.universal_id
);
DROP TABLE IF EXISTS "identity"."id_quarantine";
ALTER TABLE "identity"."id_quarantine__next" RENAME TO "id_quarantine";
DROP TABLE IF EXISTS "identity"."audience_members";
ALTER TABLE "identity"."audience_members__next" RENAME TO "audience_members";
-- the rows of events
DELETE FROM "identity_state"."rows_events" WHERE (ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) AND row_hash IN (SELECT row_hash FROM "identity_work".main."gone_events");
INSERT INTO "identity_state"."rows_events" SELECT * FROM "identity_work".main."ins_events";
-- the rows of orders
DELETE FROM "identity_state"."rows_orders" WHERE (ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) AND row_hash IN (SELECT row_hash FROM "identity_work".main."gone_orders");
INSERT INTO "identity_state"."rows_orders" SELECT * FROM "identity_work".main."ins_orders";
-- the rows of crm_contacts
DELETE FROM "identity_state"."rows_crm_contacts" WHERE (ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) AND row_hash IN (SELECT row_hash FROM "identity_work".main."gone_crm_contacts");
INSERT INTO "identity_state"."rows_crm_contacts" SELECT * FROM "identity_work".main."ins_crm_contacts";
DELETE FROM "identity_state"."hubs" WHERE 1 = 1;
INSERT INTO "identity_state"."hubs" SELECT node_id, degree, id_type, id_value FROM "identity_work".main."hubs_named";
DELETE FROM "identity_state"."qvalues" WHERE 1 = 1;
INSERT INTO "identity_state"."qvalues" SELECT id_type, id_value, reason, evidence FROM "identity_work".main."qvalues_new";
DELETE FROM "identity_state"."regions" WHERE node_id IN (SELECT node_id FROM "identity_work".main."redo");
INSERT INTO "identity_state"."regions" SELECT node_id, region, id_type FROM "identity_work".main."regions_new";
DELETE FROM "identity_state"."meta" WHERE 1 = 1;
INSERT INTO "identity_state"."meta" (section, fingerprint) VALUES ('audiences', '0abdf2d453a3606d'), ('checks', 'd5d8d0fdc49ed616'), ('degrees', '7fa03e9b3c5c80ec'), ('format', '2bf175f9655e7bb7'), ('id_salt', '99e5095aacce94d0'), ('id_types', 'd839813e2217d229'), ('limits', '{"user_id":1}'), ('policy', '9d2723ef62ce04de'), ('sources', '584bcfa6368755a8'), ('traits', '18b74501ad26436d');
INSERT INTO "identity"."id_changes" (run_id, changed_at, kind, old_universal_id, new_universal_id, identifiers) SELECT 0, CAST(current_timestamp AS TIMESTAMP), kind, old_universal_id, new_universal_id, identifiers FROM "identity_work".main."changes";
COMMIT;
