-- idstitch plan: project append_only_guards, warehouse snowflake, components by contraction
-- The runner also records each run in the runs table; that bookkeeping is not part of this script, and run_id is 0 in what it writes.

-- ===== stage setup: schemas and the run history table
CREATE SCHEMA IF NOT EXISTS "IDENTITY";
CREATE TRANSIENT SCHEMA IF NOT EXISTS "IDENTITY_WORK";
-- every table and view idstitch made here, by project: a run replaces nothing else
CREATE TRANSIENT TABLE IF NOT EXISTS "IDENTITY"."IDSTITCH_OBJECTS" (
  project VARCHAR,
  schema_name VARCHAR,
  object_name VARCHAR
);
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
ALTER TABLE "IDENTITY"."RUNS" ADD COLUMN IF NOT EXISTS "FUTURE_ROWS" BIGINT;
ALTER TABLE "IDENTITY"."RUNS" ADD COLUMN IF NOT EXISTS "CONTROLS" VARCHAR;
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
-- overrides people write between runs
CREATE TABLE IF NOT EXISTS "IDENTITY"."OVERRIDES" (
  override_id VARCHAR,
  kind VARCHAR,
  id_type_a VARCHAR,
  id_value_a VARCHAR,
  id_type_b VARCHAR,
  id_value_b VARCHAR,
  created_by VARCHAR,
  reason VARCHAR,
  created_at TIMESTAMP,
  status VARCHAR,
  status_detail VARCHAR,
  status_run_id BIGINT
);
-- requests to forget identifiers, carried out by the next run
CREATE TABLE IF NOT EXISTS "IDENTITY"."FORGET_REQUESTS" (
  request_id VARCHAR,
  action VARCHAR,
  id_type VARCHAR,
  id_value VARCHAR,
  requested_by VARCHAR,
  requested_at TIMESTAMP
);
-- what was forgotten, as salted hashes
CREATE TABLE IF NOT EXISTS "IDENTITY"."FORGET_AUDIT" (
  value_hash VARCHAR,
  requested_at TIMESTAMP,
  forgotten_at TIMESTAMP,
  run_id BIGINT
);
CREATE SCHEMA IF NOT EXISTS "IDENTITY_STATE";
-- what the stored state was built from
CREATE TRANSIENT TABLE IF NOT EXISTS "IDENTITY_STATE"."META" (
  section VARCHAR,
  fingerprint VARCHAR
);
-- the overrides the last run applied
CREATE TRANSIENT TABLE IF NOT EXISTS "IDENTITY_STATE"."OVERRIDES" (
  kind VARCHAR,
  na BIGINT,
  nb BIGINT
);
-- the publish of a full run that has not finished, completed by the next run
CREATE TRANSIENT TABLE IF NOT EXISTS "IDENTITY_STATE"."PUBLISH_JOURNAL" (
  run_id BIGINT,
  seq BIGINT,
  phase VARCHAR,
  statement VARCHAR
);

-- ===== stage extract: per source: the rows from the watermark less the lookback, and which of them are new or changed
-- source web_events (web_events): the rows read again
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."WIN_WEB_EVENTS" AS
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
  CASE WHEN v3 IS NULL OR q3 IS NOT NULL THEN NULL ELSE HASH('anonymous_id', v3) END AS n3
FROM (
  SELECT
    ts,
    v1,
    CASE WHEN v1 IS NULL THEN NULL WHEN LOWER(v1) IN ('unknown') THEN 'blocked' END AS q1,
    v2,
    CASE WHEN v2 IS NULL THEN NULL WHEN LOWER(v2) IN ('unknown') THEN 'blocked' WHEN NOT (REGEXP_INSTR(v2, '^[^[:space:]@]+@[^[:space:]@]+$') > 0) THEN 'invalid' END AS q2,
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
        CAST("TS" AS TIMESTAMP) AS ts,
        NULLIF(CAST("USER_ID" AS VARCHAR), '') AS r1,
        NULLIF(CAST("EMAIL" AS VARCHAR), '') AS r2,
        NULLIF(CAST("ANONYMOUS_ID" AS VARCHAR), '') AS r3
      FROM "WEB_EVENTS"
      WHERE (CAST("TS" AS TIMESTAMP) IS NULL OR CAST("TS" AS TIMESTAMP) >= CAST('2026-10-29 00:00:00' AS TIMESTAMP))
    ) r
  ) v
) s
) e;
-- rows whose count differs from the stored ones
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."CHANGED_WEB_EVENTS" AS
SELECT COALESCE(n.row_hash, o.row_hash) AS row_hash, CASE WHEN o.c IS NULL THEN 0 ELSE 1 END AS stored
FROM (SELECT row_hash, COUNT(*) AS c FROM "IDENTITY_WORK"."WIN_WEB_EVENTS" GROUP BY row_hash) n
FULL OUTER JOIN (
  SELECT row_hash, COUNT(*) AS c FROM "IDENTITY_STATE"."ROWS_WEB_EVENTS" s WHERE (ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) GROUP BY row_hash
) o ON n.row_hash = o.row_hash
WHERE n.c IS NULL OR o.c IS NULL OR n.c <> o.c;
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."INS_WEB_EVENTS" AS
SELECT * FROM "IDENTITY_WORK"."WIN_WEB_EVENTS" WHERE row_hash IN (SELECT row_hash FROM "IDENTITY_WORK"."CHANGED_WEB_EVENTS");
-- the stored rows that this run replaces
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."GONE_WEB_EVENTS" AS
SELECT row_hash FROM "IDENTITY_WORK"."CHANGED_WEB_EVENTS" WHERE stored = 1;
-- their identifiers
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."DEL_WEB_EVENTS" AS
SELECT n1, v1, n2, v2, n3, v3, q1, q2, q3 FROM "IDENTITY_STATE"."ROWS_WEB_EVENTS" WHERE (ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) AND row_hash IN (SELECT row_hash FROM "IDENTITY_WORK"."GONE_WEB_EVENTS");
-- source orders (orders): the rows read again
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."WIN_ORDERS" AS
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
  CASE WHEN v3 IS NULL OR q3 IS NOT NULL THEN NULL ELSE HASH('email', v3) END AS n3
FROM (
  SELECT
    ts,
    v1,
    CASE WHEN v1 IS NULL THEN NULL WHEN LOWER(v1) IN ('unknown') THEN 'blocked' END AS q1,
    v2,
    CASE WHEN v2 IS NULL THEN NULL WHEN LOWER(v2) IN ('unknown') THEN 'blocked' WHEN NOT (REGEXP_INSTR(v2, '^[^[:space:]@]+@[^[:space:]@]+$') > 0) THEN 'invalid' END AS q2,
    v3,
    CASE WHEN v3 IS NULL THEN NULL WHEN LOWER(v3) IN ('unknown') THEN 'blocked' WHEN NOT (REGEXP_INSTR(v3, '^[^[:space:]@]+@[^[:space:]@]+$') > 0) THEN 'invalid' END AS q3
  FROM (
    SELECT
      ts,
      NULLIF(r1, '') AS v1,
      NULLIF(r2, '') AS v2,
      NULLIF(r3, '') AS v3
    FROM (
      SELECT
        CAST("ORDERED_AT" AS TIMESTAMP) AS ts,
        NULLIF(CAST("USER_ID" AS VARCHAR), '') AS r1,
        NULLIF(CAST("EMAIL" AS VARCHAR), '') AS r2,
        NULLIF(CAST("BILLING_EMAIL" AS VARCHAR), '') AS r3
      FROM "ORDERS"
      WHERE (CAST("ORDERED_AT" AS TIMESTAMP) IS NULL OR CAST("ORDERED_AT" AS TIMESTAMP) >= CAST('2026-10-29 00:00:00' AS TIMESTAMP))
    ) r
  ) v
) s
) e;
-- rows whose count differs from the stored ones
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."CHANGED_ORDERS" AS
SELECT COALESCE(n.row_hash, o.row_hash) AS row_hash, CASE WHEN o.c IS NULL THEN 0 ELSE 1 END AS stored
FROM (SELECT row_hash, COUNT(*) AS c FROM "IDENTITY_WORK"."WIN_ORDERS" GROUP BY row_hash) n
FULL OUTER JOIN (
  SELECT row_hash, COUNT(*) AS c FROM "IDENTITY_STATE"."ROWS_ORDERS" s WHERE (ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) GROUP BY row_hash
) o ON n.row_hash = o.row_hash
WHERE n.c IS NULL OR o.c IS NULL OR n.c <> o.c;
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."INS_ORDERS" AS
SELECT * FROM "IDENTITY_WORK"."WIN_ORDERS" WHERE row_hash IN (SELECT row_hash FROM "IDENTITY_WORK"."CHANGED_ORDERS");
-- the stored rows that this run replaces
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."GONE_ORDERS" AS
SELECT row_hash FROM "IDENTITY_WORK"."CHANGED_ORDERS" WHERE stored = 1;
-- their identifiers
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."DEL_ORDERS" AS
SELECT n1, v1, n2, v2, n3, v3, q1, q2, q3 FROM "IDENTITY_STATE"."ROWS_ORDERS" WHERE (ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) AND row_hash IN (SELECT row_hash FROM "IDENTITY_WORK"."GONE_ORDERS");

-- ===== stage region: the identifiers the changed rows touch, the hub decisions they change, and the regions to recompute
-- identifiers on rows that are new, changed or gone
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."TOUCHED" AS
SELECT DISTINCT node_id, id_type, id_value
FROM (
  SELECT n1 AS node_id, 'user_id' AS id_type, v1 AS id_value
  FROM "IDENTITY_WORK"."INS_WEB_EVENTS" WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 AS node_id, 'email' AS id_type, v2 AS id_value
  FROM "IDENTITY_WORK"."INS_WEB_EVENTS" WHERE n2 IS NOT NULL
  UNION ALL SELECT n3 AS node_id, 'anonymous_id' AS id_type, v3 AS id_value
  FROM "IDENTITY_WORK"."INS_WEB_EVENTS" WHERE n3 IS NOT NULL
  UNION ALL SELECT n1 AS node_id, 'user_id' AS id_type, v1 AS id_value
  FROM "IDENTITY_WORK"."INS_ORDERS" WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 AS node_id, 'email' AS id_type, v2 AS id_value
  FROM "IDENTITY_WORK"."INS_ORDERS" WHERE n2 IS NOT NULL
  UNION ALL SELECT n3 AS node_id, 'email' AS id_type, v3 AS id_value
  FROM "IDENTITY_WORK"."INS_ORDERS" WHERE n3 IS NOT NULL
  UNION ALL SELECT n1 AS node_id, 'user_id' AS id_type, v1 AS id_value
  FROM "IDENTITY_WORK"."DEL_WEB_EVENTS" WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 AS node_id, 'email' AS id_type, v2 AS id_value
  FROM "IDENTITY_WORK"."DEL_WEB_EVENTS" WHERE n2 IS NOT NULL
  UNION ALL SELECT n3 AS node_id, 'anonymous_id' AS id_type, v3 AS id_value
  FROM "IDENTITY_WORK"."DEL_WEB_EVENTS" WHERE n3 IS NOT NULL
  UNION ALL SELECT n1 AS node_id, 'user_id' AS id_type, v1 AS id_value
  FROM "IDENTITY_WORK"."DEL_ORDERS" WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 AS node_id, 'email' AS id_type, v2 AS id_value
  FROM "IDENTITY_WORK"."DEL_ORDERS" WHERE n2 IS NOT NULL
  UNION ALL SELECT n3 AS node_id, 'email' AS id_type, v3 AS id_value
  FROM "IDENTITY_WORK"."DEL_ORDERS" WHERE n3 IS NOT NULL
) t;
-- invalid and blocked values, counted over all rows
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."QVALUES_NEW" AS
SELECT id_type, id_value, reason, CAST(SUM(evidence) AS BIGINT) AS evidence
FROM (
  SELECT id_type, id_value, reason, evidence FROM "IDENTITY_STATE"."QVALUES"
  UNION ALL SELECT id_type, id_value, reason, evidence FROM (SELECT id_type, id_value, reason, COUNT(*) AS evidence
FROM (
  SELECT 'user_id' AS id_type, v1 AS id_value, q1 AS reason
  FROM "IDENTITY_WORK"."INS_WEB_EVENTS" WHERE q1 IS NOT NULL
  UNION ALL SELECT 'email' AS id_type, v2 AS id_value, q2 AS reason
  FROM "IDENTITY_WORK"."INS_WEB_EVENTS" WHERE q2 IS NOT NULL
  UNION ALL SELECT 'anonymous_id' AS id_type, v3 AS id_value, q3 AS reason
  FROM "IDENTITY_WORK"."INS_WEB_EVENTS" WHERE q3 IS NOT NULL
  UNION ALL SELECT 'user_id' AS id_type, v1 AS id_value, q1 AS reason
  FROM "IDENTITY_WORK"."INS_ORDERS" WHERE q1 IS NOT NULL
  UNION ALL SELECT 'email' AS id_type, v2 AS id_value, q2 AS reason
  FROM "IDENTITY_WORK"."INS_ORDERS" WHERE q2 IS NOT NULL
  UNION ALL SELECT 'email' AS id_type, v3 AS id_value, q3 AS reason
  FROM "IDENTITY_WORK"."INS_ORDERS" WHERE q3 IS NOT NULL
) q
GROUP BY id_type, id_value, reason) p1
  UNION ALL SELECT id_type, id_value, reason, -evidence FROM (SELECT id_type, id_value, reason, COUNT(*) AS evidence
FROM (
  SELECT 'user_id' AS id_type, v1 AS id_value, q1 AS reason
  FROM "IDENTITY_WORK"."DEL_WEB_EVENTS" WHERE q1 IS NOT NULL
  UNION ALL SELECT 'email' AS id_type, v2 AS id_value, q2 AS reason
  FROM "IDENTITY_WORK"."DEL_WEB_EVENTS" WHERE q2 IS NOT NULL
  UNION ALL SELECT 'anonymous_id' AS id_type, v3 AS id_value, q3 AS reason
  FROM "IDENTITY_WORK"."DEL_WEB_EVENTS" WHERE q3 IS NOT NULL
  UNION ALL SELECT 'user_id' AS id_type, v1 AS id_value, q1 AS reason
  FROM "IDENTITY_WORK"."DEL_ORDERS" WHERE q1 IS NOT NULL
  UNION ALL SELECT 'email' AS id_type, v2 AS id_value, q2 AS reason
  FROM "IDENTITY_WORK"."DEL_ORDERS" WHERE q2 IS NOT NULL
  UNION ALL SELECT 'email' AS id_type, v3 AS id_value, q3 AS reason
  FROM "IDENTITY_WORK"."DEL_ORDERS" WHERE q3 IS NOT NULL
) q
GROUP BY id_type, id_value, reason) p2
) q
GROUP BY id_type, id_value, reason
HAVING SUM(evidence) > 0;
-- the identifiers of the rows of web_events that hold a touched identifier
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."NEAR_WEB_EVENTS" AS
-- The stored rows that hold one of the identifiers, less those this run replaces, and the new
-- rows that hold one: filtering by identifier first keeps the costlier test to few rows.
SELECT n1, n2, n3 FROM (
  SELECT * FROM "IDENTITY_STATE"."ROWS_WEB_EVENTS" s WHERE s.n1 IN (SELECT node_id FROM "IDENTITY_WORK"."TOUCHED") OR s.n2 IN (SELECT node_id FROM "IDENTITY_WORK"."TOUCHED") OR s.n3 IN (SELECT node_id FROM "IDENTITY_WORK"."TOUCHED")
) s
WHERE NOT ((ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) AND s.row_hash IN (SELECT row_hash FROM "IDENTITY_WORK"."GONE_WEB_EVENTS"))
UNION ALL
SELECT n1, n2, n3 FROM "IDENTITY_WORK"."INS_WEB_EVENTS" s WHERE s.n1 IN (SELECT node_id FROM "IDENTITY_WORK"."TOUCHED") OR s.n2 IN (SELECT node_id FROM "IDENTITY_WORK"."TOUCHED") OR s.n3 IN (SELECT node_id FROM "IDENTITY_WORK"."TOUCHED");
-- the identifiers of the rows of orders that hold a touched identifier
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."NEAR_ORDERS" AS
-- The stored rows that hold one of the identifiers, less those this run replaces, and the new
-- rows that hold one: filtering by identifier first keeps the costlier test to few rows.
SELECT n1, n2, n3 FROM (
  SELECT * FROM "IDENTITY_STATE"."ROWS_ORDERS" s WHERE s.n1 IN (SELECT node_id FROM "IDENTITY_WORK"."TOUCHED") OR s.n2 IN (SELECT node_id FROM "IDENTITY_WORK"."TOUCHED") OR s.n3 IN (SELECT node_id FROM "IDENTITY_WORK"."TOUCHED")
) s
WHERE NOT ((ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) AND s.row_hash IN (SELECT row_hash FROM "IDENTITY_WORK"."GONE_ORDERS"))
UNION ALL
SELECT n1, n2, n3 FROM "IDENTITY_WORK"."INS_ORDERS" s WHERE s.n1 IN (SELECT node_id FROM "IDENTITY_WORK"."TOUCHED") OR s.n2 IN (SELECT node_id FROM "IDENTITY_WORK"."TOUCHED") OR s.n3 IN (SELECT node_id FROM "IDENTITY_WORK"."TOUCHED");
-- hubs: the stored ones, with the touched identifiers decided again over all their rows
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."HUBS_NAMED" AS
SELECT node_id, degree, id_type, id_value FROM "IDENTITY_STATE"."HUBS"
WHERE node_id NOT IN (SELECT node_id FROM "IDENTITY_WORK"."TOUCHED")
UNION ALL
SELECT h.node_id, h.degree, t.id_type, t.id_value
FROM (
SELECT node_id, degree
FROM (
  SELECT node AS node_id, max_degree, COUNT(DISTINCT other) AS degree
  FROM (
    SELECT n2 AS node, n1 AS other, 20 AS max_degree
    FROM "IDENTITY_WORK"."NEAR_WEB_EVENTS" WHERE n2 IS NOT NULL AND n1 IS NOT NULL AND n2 <> n1
    UNION ALL SELECT n2 AS node, n3 AS other, 20 AS max_degree
    FROM "IDENTITY_WORK"."NEAR_WEB_EVENTS" WHERE n2 IS NOT NULL AND n3 IS NOT NULL AND n2 <> n3
    UNION ALL SELECT n2 AS node, n1 AS other, 20 AS max_degree
    FROM "IDENTITY_WORK"."NEAR_ORDERS" WHERE n2 IS NOT NULL AND n1 IS NOT NULL AND n2 <> n1
    UNION ALL SELECT n2 AS node, n3 AS other, 20 AS max_degree
    FROM "IDENTITY_WORK"."NEAR_ORDERS" WHERE n2 IS NOT NULL AND n3 IS NOT NULL AND n2 <> n3
    UNION ALL SELECT n3 AS node, n1 AS other, 20 AS max_degree
    FROM "IDENTITY_WORK"."NEAR_ORDERS" WHERE n3 IS NOT NULL AND n1 IS NOT NULL AND n3 <> n1
    UNION ALL SELECT n3 AS node, n2 AS other, 20 AS max_degree
    FROM "IDENTITY_WORK"."NEAR_ORDERS" WHERE n3 IS NOT NULL AND n2 IS NOT NULL AND n3 <> n2
  ) p
  GROUP BY node, max_degree
) d
WHERE degree > max_degree
) h
JOIN "IDENTITY_WORK"."TOUCHED" t ON h.node_id = t.node_id;
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."HUBS" AS
SELECT node_id, degree FROM "IDENTITY_WORK"."HUBS_NAMED";
-- identifiers that became hubs or stopped being ones
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."FLIPS" AS
SELECT t.node_id
FROM "IDENTITY_WORK"."TOUCHED" t
WHERE (CASE WHEN t.node_id IN (SELECT node_id FROM "IDENTITY_STATE"."HUBS") THEN 1 ELSE 0 END)
   <> (CASE WHEN t.node_id IN (SELECT node_id FROM "IDENTITY_WORK"."HUBS_NAMED") THEN 1 ELSE 0 END);
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."FLIPROWS_WEB_EVENTS" AS
SELECT n1, n2, n3 FROM "IDENTITY_WORK"."NEAR_WEB_EVENTS" s WHERE s.n1 IN (SELECT node_id FROM "IDENTITY_WORK"."FLIPS") OR s.n2 IN (SELECT node_id FROM "IDENTITY_WORK"."FLIPS") OR s.n3 IN (SELECT node_id FROM "IDENTITY_WORK"."FLIPS");
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."FLIPROWS_ORDERS" AS
SELECT n1, n2, n3 FROM "IDENTITY_WORK"."NEAR_ORDERS" s WHERE s.n1 IN (SELECT node_id FROM "IDENTITY_WORK"."FLIPS") OR s.n2 IN (SELECT node_id FROM "IDENTITY_WORK"."FLIPS") OR s.n3 IN (SELECT node_id FROM "IDENTITY_WORK"."FLIPS");
-- touched identifiers, the partners of those whose hub decision flipped, and the regions a changed limit can split
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."SEEDS" AS
SELECT DISTINCT node_id FROM (
  SELECT node_id FROM "IDENTITY_WORK"."TOUCHED"
  UNION ALL SELECT n1 FROM "IDENTITY_WORK"."FLIPROWS_WEB_EVENTS" WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 FROM "IDENTITY_WORK"."FLIPROWS_WEB_EVENTS" WHERE n2 IS NOT NULL
  UNION ALL SELECT n3 FROM "IDENTITY_WORK"."FLIPROWS_WEB_EVENTS" WHERE n3 IS NOT NULL
  UNION ALL SELECT n1 FROM "IDENTITY_WORK"."FLIPROWS_ORDERS" WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 FROM "IDENTITY_WORK"."FLIPROWS_ORDERS" WHERE n2 IS NOT NULL
  UNION ALL SELECT n3 FROM "IDENTITY_WORK"."FLIPROWS_ORDERS" WHERE n3 IS NOT NULL
) s;
-- every identifier of the regions the seeds are in
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."RNODES" AS
SELECT DISTINCT node_id FROM (
  SELECT node_id FROM "IDENTITY_STATE"."REGIONS"
  WHERE region IN (
    SELECT r.region FROM "IDENTITY_STATE"."REGIONS" r JOIN "IDENTITY_WORK"."SEEDS" s ON r.node_id = s.node_id
  )
  UNION ALL
  SELECT node_id FROM "IDENTITY_WORK"."SEEDS"
) n
-- A hub's rows span many regions: it is in none, and its rows come in only through the others.
WHERE node_id NOT IN (SELECT node_id FROM "IDENTITY_WORK"."HUBS");
-- the value of every identifier on the rows of those regions
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."NAMES" AS
SELECT DISTINCT node_id, id_value FROM (
  SELECT node_id, id_value FROM "IDENTITY"."ID_GRAPH"
  WHERE node_id IN (SELECT node_id FROM "IDENTITY_WORK"."RNODES")
  UNION ALL
  SELECT HASH(id_type, id_value) AS node_id, id_value FROM "IDENTITY"."ID_QUARANTINE"
  WHERE reason IN ('limit_conflict', 'anonymous_isolated')
  UNION ALL
  SELECT node_id, id_value FROM "IDENTITY_WORK"."TOUCHED"
  UNION ALL
  SELECT node_id, id_value FROM "IDENTITY_WORK"."HUBS_NAMED"
) n;
-- rows of web_events in those regions
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."SRC_WEB_EVENTS" AS
-- The stored rows that hold one of the identifiers, less those this run replaces, and the new
-- rows that hold one: filtering by identifier first keeps the costlier test to few rows.
SELECT ts, row_hash, n1, n2, n3 FROM (
  SELECT * FROM "IDENTITY_STATE"."ROWS_WEB_EVENTS" s WHERE s.n1 IN (SELECT node_id FROM "IDENTITY_WORK"."RNODES") OR s.n2 IN (SELECT node_id FROM "IDENTITY_WORK"."RNODES") OR s.n3 IN (SELECT node_id FROM "IDENTITY_WORK"."RNODES")
) s
WHERE NOT ((ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) AND s.row_hash IN (SELECT row_hash FROM "IDENTITY_WORK"."GONE_WEB_EVENTS"))
UNION ALL
SELECT ts, row_hash, n1, n2, n3 FROM "IDENTITY_WORK"."INS_WEB_EVENTS" s WHERE s.n1 IN (SELECT node_id FROM "IDENTITY_WORK"."RNODES") OR s.n2 IN (SELECT node_id FROM "IDENTITY_WORK"."RNODES") OR s.n3 IN (SELECT node_id FROM "IDENTITY_WORK"."RNODES");
-- rows of orders in those regions
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."SRC_ORDERS" AS
-- The stored rows that hold one of the identifiers, less those this run replaces, and the new
-- rows that hold one: filtering by identifier first keeps the costlier test to few rows.
SELECT ts, row_hash, n1, n2, n3 FROM (
  SELECT * FROM "IDENTITY_STATE"."ROWS_ORDERS" s WHERE s.n1 IN (SELECT node_id FROM "IDENTITY_WORK"."RNODES") OR s.n2 IN (SELECT node_id FROM "IDENTITY_WORK"."RNODES") OR s.n3 IN (SELECT node_id FROM "IDENTITY_WORK"."RNODES")
) s
WHERE NOT ((ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) AND s.row_hash IN (SELECT row_hash FROM "IDENTITY_WORK"."GONE_ORDERS"))
UNION ALL
SELECT ts, row_hash, n1, n2, n3 FROM "IDENTITY_WORK"."INS_ORDERS" s WHERE s.n1 IN (SELECT node_id FROM "IDENTITY_WORK"."RNODES") OR s.n2 IN (SELECT node_id FROM "IDENTITY_WORK"."RNODES") OR s.n3 IN (SELECT node_id FROM "IDENTITY_WORK"."RNODES");

-- ===== stage nodes: distinct (id_type, value) with a 64-bit node id
-- values from the published identifiers, the changed rows and the hubs
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."NODES" AS
SELECT i.node_id, i.id_type, nm.id_value, i.type_rank, i.first_seen_at, i.last_seen_at, i.row_count
FROM (
  SELECT node_id, id_type, type_rank, MIN(ts) AS first_seen_at, MAX(ts) AS last_seen_at, COUNT(*) AS row_count
  FROM (
    SELECT n1 AS node_id, 'user_id' AS id_type, 0 AS type_rank, ts
    FROM "IDENTITY_WORK"."SRC_WEB_EVENTS" WHERE n1 IS NOT NULL
    UNION ALL SELECT n2 AS node_id, 'email' AS id_type, 1 AS type_rank, ts
    FROM "IDENTITY_WORK"."SRC_WEB_EVENTS" WHERE n2 IS NOT NULL
    UNION ALL SELECT n3 AS node_id, 'anonymous_id' AS id_type, 2 AS type_rank, ts
    FROM "IDENTITY_WORK"."SRC_WEB_EVENTS" WHERE n3 IS NOT NULL
    UNION ALL SELECT n1 AS node_id, 'user_id' AS id_type, 0 AS type_rank, ts
    FROM "IDENTITY_WORK"."SRC_ORDERS" WHERE n1 IS NOT NULL
    UNION ALL SELECT n2 AS node_id, 'email' AS id_type, 1 AS type_rank, ts
    FROM "IDENTITY_WORK"."SRC_ORDERS" WHERE n2 IS NOT NULL
    UNION ALL SELECT n3 AS node_id, 'email' AS id_type, 1 AS type_rank, ts
    FROM "IDENTITY_WORK"."SRC_ORDERS" WHERE n3 IS NOT NULL
  ) i
  GROUP BY node_id, id_type, type_rank
) i
LEFT JOIN "IDENTITY_WORK"."NAMES" nm ON i.node_id = nm.node_id;
-- two distinct identifiers must never share a node id
-- check: this count must be 0, else: two different identifiers hashed to the same 64-bit node id; the run stopped so that they are not merged (report this as a bug with the warehouse type)
SELECT COUNT(*) FROM (
  SELECT node_id FROM "IDENTITY_WORK"."NODES" GROUP BY node_id HAVING COUNT(*) > 1
) c;
-- every identifier of the recomputed regions has its value
-- check: this count must be 0, else: an identifier of the recomputed regions has no stored value, so the stored state is not what this version expects; run `idstitch run --full` (and report this as a bug)
SELECT COUNT(*) FROM "IDENTITY_WORK"."NODES" WHERE id_value IS NULL;

-- ===== stage guards: values that are invalid or blocked, and hubs, are kept out of the graph
-- source web_events without its hubs
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."KEPT_WEB_EVENTS" AS
SELECT ts,
  CASE WHEN n1 IN (SELECT node_id FROM "IDENTITY_WORK"."HUBS") THEN NULL ELSE n1 END AS n1,
  CASE WHEN n2 IN (SELECT node_id FROM "IDENTITY_WORK"."HUBS") THEN NULL ELSE n2 END AS n2,
  CASE WHEN n3 IN (SELECT node_id FROM "IDENTITY_WORK"."HUBS") THEN NULL ELSE n3 END AS n3
FROM "IDENTITY_WORK"."SRC_WEB_EVENTS";
-- source orders without its hubs
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."KEPT_ORDERS" AS
SELECT ts,
  CASE WHEN n1 IN (SELECT node_id FROM "IDENTITY_WORK"."HUBS") THEN NULL ELSE n1 END AS n1,
  CASE WHEN n2 IN (SELECT node_id FROM "IDENTITY_WORK"."HUBS") THEN NULL ELSE n2 END AS n2,
  CASE WHEN n3 IN (SELECT node_id FROM "IDENTITY_WORK"."HUBS") THEN NULL ELSE n3 END AS n3
FROM "IDENTITY_WORK"."SRC_ORDERS";

-- ===== stage edges: identifiers on one row are linked as a star from the row's first identifier
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."EDGES" AS
SELECT a, b, row_count, first_seen_at, last_seen_at, SUBSTR((('' || CASE WHEN s0 = 1 THEN ',orders' ELSE '' END) || CASE WHEN s1 = 1 THEN ',web_events' ELSE '' END), 2) AS sources
FROM (
  SELECT LEAST(a, b) AS a, GREATEST(a, b) AS b, CAST(COUNT(*) AS BIGINT) AS row_count,
    MIN(ts) AS first_seen_at, MAX(ts) AS last_seen_at, MAX(s0) AS s0, MAX(s1) AS s1
  FROM (
    SELECT COALESCE(n1, n2, n3) AS a, n2 AS b, ts, 0 AS s0, 1 AS s1
    FROM "IDENTITY_WORK"."KEPT_WEB_EVENTS" WHERE n2 IS NOT NULL AND n2 <> COALESCE(n1, n2, n3)
    UNION ALL SELECT COALESCE(n1, n2, n3) AS a, n3 AS b, ts, 0 AS s0, 1 AS s1
    FROM "IDENTITY_WORK"."KEPT_WEB_EVENTS" WHERE n3 IS NOT NULL AND n3 <> COALESCE(n1, n2, n3)
    UNION ALL SELECT COALESCE(n1, n2, n3) AS a, n2 AS b, ts, 1 AS s0, 0 AS s1
    FROM "IDENTITY_WORK"."KEPT_ORDERS" WHERE n2 IS NOT NULL AND n2 <> COALESCE(n1, n2, n3)
    UNION ALL SELECT COALESCE(n1, n2, n3) AS a, n3 AS b, ts, 1 AS s0, 0 AS s1
    FROM "IDENTITY_WORK"."KEPT_ORDERS" WHERE n3 IS NOT NULL AND n3 <> COALESCE(n1, n2, n3)
  ) e
  GROUP BY LEAST(a, b), GREATEST(a, b)
) g;

-- ===== stage components: connected components by randomised contraction
-- round 0: the graph's edges
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."CC_EDGES_0" AS
SELECT e.a, e.b FROM "IDENTITY_WORK"."EDGES" e;

-- rounds 1 to 2; the runner stops when the count below reaches 0 (edges left)
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
-- round 2: rewrite edges onto representatives; drop self-loops (in place of the edges of round 0)
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."CC_EDGES_0" AS
SELECT DISTINCT LEAST(ma.rep, mb.rep) AS a, GREATEST(ma.rep, mb.rep) AS b
FROM "IDENTITY_WORK"."CC_EDGES_1" e
JOIN "IDENTITY_WORK"."CC_MAP_2" ma ON e.a = ma.v
JOIN "IDENTITY_WORK"."CC_MAP_2" mb ON e.b = mb.v
WHERE ma.rep <> mb.rep;
-- 2 rounds must have been enough
-- check: this count must be 0, else: the loop did not finish in the unrolled rounds; compile with more --rounds
SELECT COUNT(*) FROM "IDENTITY_WORK"."CC_EDGES_0";
-- compose the 2 round maps, last to first, and label each component with its smallest node id, whatever the random choices
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."LABELS" AS
WITH
r2 AS (
  SELECT v, rep FROM "IDENTITY_WORK"."CC_MAP_2"
),
r1 AS (
  SELECT m.v, COALESCE(l.rep, m.rep) AS rep
  FROM "IDENTITY_WORK"."CC_MAP_1" m
  LEFT JOIN r2 l ON m.rep = l.v
)
SELECT v AS node_id, MIN(v) OVER (PARTITION BY rep) AS component
FROM r1;
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

-- rounds 1 to 2; the runner stops when the count below reaches 0 (identifiers reached)
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
-- ring 2: each identifier next to the last ring joins its best anchor (more rows, then more recent, then anchor value)
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."LIM_FRONT_0" AS
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
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."LIM_SEEN_0" AS
SELECT node, anchor, anchors FROM "IDENTITY_WORK"."LIM_SEEN_1"
UNION ALL
SELECT node, anchor, anchors FROM "IDENTITY_WORK"."LIM_FRONT_0";
-- 2 rounds must have been enough
-- check: this count must be 0, else: the loop did not finish in the unrolled rounds; compile with more --rounds
SELECT COUNT(*) FROM "IDENTITY_WORK"."LIM_FRONT_0";
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
  LEFT JOIN "IDENTITY_WORK"."LIM_SEEN_0" s ON g.node_id = s.node
  WHERE s.node IS NULL OR s.anchor IS NOT NULL
) x;

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
  MD5(('append_only_guards' || '|' || id_type || '|' || id_value)) AS universal_id
FROM (
  SELECT component, id_type, id_value,
    ROW_NUMBER() OVER (PARTITION BY component ORDER BY first_seen_at ASC NULLS LAST, type_rank, id_value) AS pos
  FROM "IDENTITY_WORK"."ASSIGN"
) a
WHERE pos = 1;
-- every identifier with its universal id
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."GRAPH" AS
SELECT a.universal_id, n.id_type, n.id_value, n.first_seen_at, n.last_seen_at, n.row_count, n.node_id
FROM "IDENTITY_WORK"."ASSIGN" n
JOIN "IDENTITY_WORK"."ANCHORS" a ON n.component = a.component;
-- every identifier's region, quarantined ones too
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."REGIONS_NEW" AS
SELECT n.node_id, COALESCE(l.component, n.node_id) AS region, n.id_type
FROM "IDENTITY_WORK"."NODES" n
LEFT JOIN "IDENTITY_WORK"."LABELS" l ON n.node_id = l.node_id
WHERE n.node_id NOT IN (SELECT node_id FROM "IDENTITY_WORK"."HUBS");

-- ===== stage outputs: the recomputed regions' rows of the output tables, and what changed
-- every identifier whose published rows are replaced
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."REDO" AS
SELECT DISTINCT node_id, id_type, id_value FROM (SELECT node_id, id_type, id_value FROM "IDENTITY_WORK"."NODES" UNION ALL SELECT node_id, id_type, id_value FROM "IDENTITY_WORK"."TOUCHED") r;
-- their published universal ids
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."OLD_MAP" AS
SELECT node_id, universal_id FROM "IDENTITY"."ID_GRAPH" WHERE node_id IN (SELECT node_id FROM "IDENTITY_WORK"."REDO");
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."REDO_IDS" AS
SELECT DISTINCT universal_id FROM (SELECT universal_id FROM "IDENTITY_WORK"."OLD_MAP" UNION ALL SELECT universal_id FROM "IDENTITY_WORK"."GRAPH") u;
-- of those, the identifiers whose published row changes
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."GRAPH_WRITE" AS
SELECT r.node_id FROM "IDENTITY_WORK"."REDO" r
WHERE r.node_id NOT IN (
  SELECT g.node_id
  FROM "IDENTITY_WORK"."GRAPH" g
  JOIN "IDENTITY"."ID_GRAPH" o ON o.node_id = g.node_id
  WHERE o.universal_id = g.universal_id AND o.id_type = g.id_type AND o.id_value = g.id_value AND o.row_count = g.row_count
    AND (o.first_seen_at = g.first_seen_at OR (o.first_seen_at IS NULL AND g.first_seen_at IS NULL))
    AND (o.last_seen_at = g.last_seen_at OR (o.last_seen_at IS NULL AND g.last_seen_at IS NULL))
);
-- and those whose stored region changes
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."REGIONS_WRITE" AS
SELECT r.node_id FROM "IDENTITY_WORK"."REDO" r
WHERE r.node_id NOT IN (
  SELECT n.node_id
  FROM "IDENTITY_WORK"."REGIONS_NEW" n
  JOIN "IDENTITY_STATE"."REGIONS" o ON o.node_id = n.node_id
  WHERE o.region = n.region AND o.id_type = n.id_type
);
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
    FROM "IDENTITY_WORK"."OLD_MAP" o
    FULL OUTER JOIN "IDENTITY_WORK"."GRAPH" n ON o.node_id = n.node_id
  ) m
  WHERE old_id IS NULL OR new_id IS NULL OR old_id <> new_id
  GROUP BY old_id, new_id
) p
-- identifiers seen for the first time that join a profile which already existed change no id
WHERE NOT (p.old_id IS NULL AND p.new_id IN (SELECT universal_id FROM "IDENTITY_WORK"."OLD_MAP"));
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."PROFILES_REGION" AS
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
    CAST(COALESCE(SUM(CASE WHEN id_type = 'anonymous_id' THEN n END), 0) AS BIGINT) AS "ANONYMOUS_ID_COUNT",
    MAX(CASE WHEN id_type = 'anonymous_id' THEN latest END) AS "LATEST_ANONYMOUS_ID"
  FROM per_type
  GROUP BY component
)
SELECT a.universal_id, p.first_seen_at, p.last_seen_at, p.identifiers, p."USER_ID_COUNT", p."LATEST_USER_ID", p."EMAIL_COUNT", p."LATEST_EMAIL", p."ANONYMOUS_ID_COUNT", p."LATEST_ANONYMOUS_ID"
FROM per_profile p
JOIN "IDENTITY_WORK"."ANCHORS" a ON p.component = a.component;
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."EDGES_REGION" AS
SELECT ga.universal_id,
  ga.id_type AS id_type_a, ga.id_value AS id_value_a,
  gb.id_type AS id_type_b, gb.id_value AS id_value_b,
  e.row_count, e.first_seen_at, e.last_seen_at, e.sources
FROM "IDENTITY_WORK"."EDGES" e
JOIN "IDENTITY_WORK"."GRAPH" ga ON e.a = ga.node_id
JOIN "IDENTITY_WORK"."GRAPH" gb ON e.b = gb.node_id
-- one universal id per profile: its anchor's, which no other profile has
WHERE ga.universal_id = gb.universal_id;
-- what was kept out of the graph, and why
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY"."ID_QUARANTINE__NEXT" AS
SELECT id_type, id_value, reason, evidence, CAST(0 AS BIGINT) AS run_id
FROM (
  SELECT id_type, id_value, reason, evidence FROM "IDENTITY_WORK"."QVALUES_NEW"
  UNION ALL SELECT q.id_type, q.id_value, q.reason, q.evidence
FROM "IDENTITY"."ID_QUARANTINE" q
WHERE q.reason IN ('limit_conflict', 'anonymous_isolated')
  AND NOT EXISTS (SELECT 1 FROM "IDENTITY_WORK"."REDO" r WHERE r.id_type = q.id_type AND r.id_value = q.id_value)
  UNION ALL SELECT id_type, id_value, 'hub' AS reason, degree AS evidence FROM "IDENTITY_WORK"."HUBS_NAMED"
) q;
-- audience members; those already in keep the time they entered
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY"."AUDIENCE_MEMBERS__NEXT" AS
SELECT m.audience, m.universal_id, COALESCE(prev.entered_at, CAST(SYSDATE() AS TIMESTAMP)) AS entered_at
FROM (
  SELECT CAST(NULL AS VARCHAR) AS audience, CAST(NULL AS VARCHAR) AS universal_id FROM "IDENTITY_WORK"."PROFILES_REGION" WHERE 1 = 0
) m
LEFT JOIN "IDENTITY"."AUDIENCE_MEMBERS" prev ON prev.audience = m.audience AND prev.universal_id = m.universal_id
UNION ALL
SELECT audience, universal_id, entered_at FROM "IDENTITY"."AUDIENCE_MEMBERS"
WHERE universal_id NOT IN (SELECT universal_id FROM "IDENTITY_WORK"."REDO_IDS");
-- the published links of those profiles that change or go, and the links that are new or changed
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."EDGES_DIFF" AS
SELECT o.universal_id AS s_universal_id, o.id_type_a AS s_id_type_a, o.id_value_a AS s_id_value_a,
  o.id_type_b AS s_id_type_b, o.id_value_b AS s_id_value_b,
  n.*
FROM (SELECT * FROM "IDENTITY"."ID_EDGES" WHERE universal_id IN (SELECT universal_id FROM "IDENTITY_WORK"."REDO_IDS")) o
FULL OUTER JOIN "IDENTITY_WORK"."EDGES_REGION" n
  ON n.universal_id = o.universal_id AND n.id_type_a = o.id_type_a AND n.id_value_a = o.id_value_a
  AND n.id_type_b = o.id_type_b AND n.id_value_b = o.id_value_b
WHERE o.universal_id IS NULL OR n.universal_id IS NULL OR NOT COALESCE(n.row_count = o.row_count AND n.sources = o.sources
  AND (COALESCE(n.first_seen_at = o.first_seen_at, FALSE) OR (n.first_seen_at IS NULL AND o.first_seen_at IS NULL))
  AND (COALESCE(n.last_seen_at = o.last_seen_at, FALSE) OR (n.last_seen_at IS NULL AND o.last_seen_at IS NULL)), FALSE);

-- ===== stage publish: replace the recomputed regions' rows and update the state, all together
BEGIN;
DELETE FROM "IDENTITY"."ID_GRAPH" WHERE node_id IN (SELECT node_id FROM "IDENTITY_WORK"."GRAPH_WRITE");
INSERT INTO "IDENTITY"."ID_GRAPH" SELECT * FROM (SELECT universal_id, id_type, id_value, first_seen_at, last_seen_at, row_count, node_id
FROM "IDENTITY_WORK"."GRAPH") q WHERE q.node_id IN (SELECT node_id FROM "IDENTITY_WORK"."GRAPH_WRITE");
DELETE FROM "IDENTITY"."PROFILES" WHERE universal_id IN (SELECT universal_id FROM "IDENTITY_WORK"."REDO_IDS");
INSERT INTO "IDENTITY"."PROFILES" SELECT * FROM "IDENTITY_WORK"."PROFILES_REGION";
DELETE FROM "IDENTITY"."ID_EDGES" USING (
  SELECT s_universal_id, s_id_type_a, s_id_value_a, s_id_type_b, s_id_value_b
  FROM "IDENTITY_WORK"."EDGES_DIFF" WHERE s_universal_id IS NOT NULL
) s
WHERE universal_id = s.s_universal_id AND id_type_a = s.s_id_type_a AND id_value_a = s.s_id_value_a
  AND id_type_b = s.s_id_type_b AND id_value_b = s.s_id_value_b;
INSERT INTO "IDENTITY"."ID_EDGES"
SELECT universal_id, id_type_a, id_value_a, id_type_b, id_value_b, row_count, first_seen_at, last_seen_at, sources
FROM "IDENTITY_WORK"."EDGES_DIFF"
WHERE universal_id IS NOT NULL;
UPDATE "IDENTITY"."AUDIENCE_HISTORY" AS h
SET exited_at = CAST(SYSDATE() AS TIMESTAMP)
WHERE h.exited_at IS NULL
  AND NOT EXISTS (
    SELECT 1 FROM "IDENTITY"."AUDIENCE_MEMBERS__NEXT" n
    WHERE n.audience = h.audience AND n.universal_id = h.universal_id
  );
INSERT INTO "IDENTITY"."AUDIENCE_HISTORY" (audience, universal_id, entered_at, exited_at, run_id)
SELECT n.audience, n.universal_id, n.entered_at, CAST(NULL AS TIMESTAMP), CAST(0 AS BIGINT)
FROM "IDENTITY"."AUDIENCE_MEMBERS__NEXT" n
WHERE NOT EXISTS (
  SELECT 1 FROM "IDENTITY"."AUDIENCE_HISTORY" h
  WHERE h.exited_at IS NULL AND h.audience = n.audience AND h.universal_id = n.universal_id
);
DELETE FROM "IDENTITY"."ID_QUARANTINE" WHERE 1 = 1;
INSERT INTO "IDENTITY"."ID_QUARANTINE" SELECT * FROM "IDENTITY"."ID_QUARANTINE__NEXT";
DELETE FROM "IDENTITY"."AUDIENCE_MEMBERS" WHERE 1 = 1;
INSERT INTO "IDENTITY"."AUDIENCE_MEMBERS" SELECT * FROM "IDENTITY"."AUDIENCE_MEMBERS__NEXT";
-- the rows of web_events
DELETE FROM "IDENTITY_STATE"."ROWS_WEB_EVENTS" WHERE (ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) AND row_hash IN (SELECT row_hash FROM "IDENTITY_WORK"."GONE_WEB_EVENTS");
INSERT INTO "IDENTITY_STATE"."ROWS_WEB_EVENTS" SELECT * FROM "IDENTITY_WORK"."INS_WEB_EVENTS";
-- the rows of orders
DELETE FROM "IDENTITY_STATE"."ROWS_ORDERS" WHERE (ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) AND row_hash IN (SELECT row_hash FROM "IDENTITY_WORK"."GONE_ORDERS");
INSERT INTO "IDENTITY_STATE"."ROWS_ORDERS" SELECT * FROM "IDENTITY_WORK"."INS_ORDERS";
DELETE FROM "IDENTITY_STATE"."HUBS" WHERE 1 = 1;
INSERT INTO "IDENTITY_STATE"."HUBS" SELECT node_id, degree, id_type, id_value FROM "IDENTITY_WORK"."HUBS_NAMED";
DELETE FROM "IDENTITY_STATE"."QVALUES" WHERE 1 = 1;
INSERT INTO "IDENTITY_STATE"."QVALUES" SELECT id_type, id_value, reason, evidence FROM "IDENTITY_WORK"."QVALUES_NEW";
DELETE FROM "IDENTITY_STATE"."REGIONS" WHERE node_id IN (SELECT node_id FROM "IDENTITY_WORK"."REGIONS_WRITE");
INSERT INTO "IDENTITY_STATE"."REGIONS" SELECT * FROM (SELECT node_id, region, id_type FROM "IDENTITY_WORK"."REGIONS_NEW") q WHERE q.node_id IN (SELECT node_id FROM "IDENTITY_WORK"."REGIONS_WRITE");
DELETE FROM "IDENTITY_STATE"."META" WHERE 1 = 1;
INSERT INTO "IDENTITY_STATE"."META" (section, fingerprint) VALUES ('layout', '5'), ('audiences', '74234e98afe7498f'), ('checks', 'c12f03c758822bb3'), ('degrees', '253b771d5c232358'), ('id_salt', '1b228b578797df7c'), ('id_types', 'abcf59e8d5a2844c'), ('limits', '{"user_id":1}'), ('policy', '439083f38956ba51'), ('sources', 'a74b034869b9d61f'), ('traits', '74234e98afe7498f');
INSERT INTO "IDENTITY"."ID_CHANGES" (run_id, changed_at, kind, old_universal_id, new_universal_id, identifiers) SELECT 0, CAST(SYSDATE() AS TIMESTAMP), kind, old_universal_id, new_universal_id, identifiers FROM "IDENTITY_WORK"."CHANGES";
COMMIT;

-- append-only path, taken when this counts 0 after the extract stage:
SELECT 0 + (SELECT COUNT(*) FROM "IDENTITY_WORK"."GONE_WEB_EVENTS") + (SELECT COUNT(*) FROM "IDENTITY_WORK"."GONE_ORDERS") AS n;

-- idstitch plan: project append_only_guards, warehouse snowflake, components by contraction
-- The runner also records each run in the runs table; that bookkeeping is not part of this script, and run_id is 0 in what it writes.

-- ===== stage guards: values that are invalid or blocked, and hubs, are kept out of the graph
-- identifiers on the batch's rows
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."TOUCHED" AS
SELECT DISTINCT node_id, id_type, id_value
FROM (
  SELECT n1 AS node_id, 'user_id' AS id_type, v1 AS id_value
  FROM "IDENTITY_WORK"."INS_WEB_EVENTS" WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 AS node_id, 'email' AS id_type, v2 AS id_value
  FROM "IDENTITY_WORK"."INS_WEB_EVENTS" WHERE n2 IS NOT NULL
  UNION ALL SELECT n3 AS node_id, 'anonymous_id' AS id_type, v3 AS id_value
  FROM "IDENTITY_WORK"."INS_WEB_EVENTS" WHERE n3 IS NOT NULL
  UNION ALL SELECT n1 AS node_id, 'user_id' AS id_type, v1 AS id_value
  FROM "IDENTITY_WORK"."INS_ORDERS" WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 AS node_id, 'email' AS id_type, v2 AS id_value
  FROM "IDENTITY_WORK"."INS_ORDERS" WHERE n2 IS NOT NULL
  UNION ALL SELECT n3 AS node_id, 'email' AS id_type, v3 AS id_value
  FROM "IDENTITY_WORK"."INS_ORDERS" WHERE n3 IS NOT NULL
  UNION ALL SELECT n1 AS node_id, 'user_id' AS id_type, v1 AS id_value
  FROM "IDENTITY_WORK"."DEL_WEB_EVENTS" WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 AS node_id, 'email' AS id_type, v2 AS id_value
  FROM "IDENTITY_WORK"."DEL_WEB_EVENTS" WHERE n2 IS NOT NULL
  UNION ALL SELECT n3 AS node_id, 'anonymous_id' AS id_type, v3 AS id_value
  FROM "IDENTITY_WORK"."DEL_WEB_EVENTS" WHERE n3 IS NOT NULL
  UNION ALL SELECT n1 AS node_id, 'user_id' AS id_type, v1 AS id_value
  FROM "IDENTITY_WORK"."DEL_ORDERS" WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 AS node_id, 'email' AS id_type, v2 AS id_value
  FROM "IDENTITY_WORK"."DEL_ORDERS" WHERE n2 IS NOT NULL
  UNION ALL SELECT n3 AS node_id, 'email' AS id_type, v3 AS id_value
  FROM "IDENTITY_WORK"."DEL_ORDERS" WHERE n3 IS NOT NULL
) t;
-- invalid and blocked values, counted over all rows
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."QVALUES_NEW" AS
SELECT id_type, id_value, reason, CAST(SUM(evidence) AS BIGINT) AS evidence
FROM (
  SELECT id_type, id_value, reason, evidence FROM "IDENTITY_STATE"."QVALUES"
  UNION ALL SELECT id_type, id_value, reason, evidence FROM (SELECT id_type, id_value, reason, COUNT(*) AS evidence
FROM (
  SELECT 'user_id' AS id_type, v1 AS id_value, q1 AS reason
  FROM "IDENTITY_WORK"."INS_WEB_EVENTS" WHERE q1 IS NOT NULL
  UNION ALL SELECT 'email' AS id_type, v2 AS id_value, q2 AS reason
  FROM "IDENTITY_WORK"."INS_WEB_EVENTS" WHERE q2 IS NOT NULL
  UNION ALL SELECT 'anonymous_id' AS id_type, v3 AS id_value, q3 AS reason
  FROM "IDENTITY_WORK"."INS_WEB_EVENTS" WHERE q3 IS NOT NULL
  UNION ALL SELECT 'user_id' AS id_type, v1 AS id_value, q1 AS reason
  FROM "IDENTITY_WORK"."INS_ORDERS" WHERE q1 IS NOT NULL
  UNION ALL SELECT 'email' AS id_type, v2 AS id_value, q2 AS reason
  FROM "IDENTITY_WORK"."INS_ORDERS" WHERE q2 IS NOT NULL
  UNION ALL SELECT 'email' AS id_type, v3 AS id_value, q3 AS reason
  FROM "IDENTITY_WORK"."INS_ORDERS" WHERE q3 IS NOT NULL
) q
GROUP BY id_type, id_value, reason) p1
  UNION ALL SELECT id_type, id_value, reason, -evidence FROM (SELECT id_type, id_value, reason, COUNT(*) AS evidence
FROM (
  SELECT 'user_id' AS id_type, v1 AS id_value, q1 AS reason
  FROM "IDENTITY_WORK"."DEL_WEB_EVENTS" WHERE q1 IS NOT NULL
  UNION ALL SELECT 'email' AS id_type, v2 AS id_value, q2 AS reason
  FROM "IDENTITY_WORK"."DEL_WEB_EVENTS" WHERE q2 IS NOT NULL
  UNION ALL SELECT 'anonymous_id' AS id_type, v3 AS id_value, q3 AS reason
  FROM "IDENTITY_WORK"."DEL_WEB_EVENTS" WHERE q3 IS NOT NULL
  UNION ALL SELECT 'user_id' AS id_type, v1 AS id_value, q1 AS reason
  FROM "IDENTITY_WORK"."DEL_ORDERS" WHERE q1 IS NOT NULL
  UNION ALL SELECT 'email' AS id_type, v2 AS id_value, q2 AS reason
  FROM "IDENTITY_WORK"."DEL_ORDERS" WHERE q2 IS NOT NULL
  UNION ALL SELECT 'email' AS id_type, v3 AS id_value, q3 AS reason
  FROM "IDENTITY_WORK"."DEL_ORDERS" WHERE q3 IS NOT NULL
) q
GROUP BY id_type, id_value, reason) p2
) q
GROUP BY id_type, id_value, reason
HAVING SUM(evidence) > 0;
-- the identifiers of the rows of web_events that hold a touched identifier
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."NEAR_WEB_EVENTS" AS
-- The stored rows that hold one of the identifiers, less those this run replaces, and the new
-- rows that hold one: filtering by identifier first keeps the costlier test to few rows.
SELECT n1, n2, n3 FROM (
  SELECT * FROM "IDENTITY_STATE"."ROWS_WEB_EVENTS" s WHERE s.n1 IN (SELECT node_id FROM "IDENTITY_WORK"."TOUCHED") OR s.n2 IN (SELECT node_id FROM "IDENTITY_WORK"."TOUCHED") OR s.n3 IN (SELECT node_id FROM "IDENTITY_WORK"."TOUCHED")
) s
WHERE NOT ((ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) AND s.row_hash IN (SELECT row_hash FROM "IDENTITY_WORK"."GONE_WEB_EVENTS"))
UNION ALL
SELECT n1, n2, n3 FROM "IDENTITY_WORK"."INS_WEB_EVENTS" s WHERE s.n1 IN (SELECT node_id FROM "IDENTITY_WORK"."TOUCHED") OR s.n2 IN (SELECT node_id FROM "IDENTITY_WORK"."TOUCHED") OR s.n3 IN (SELECT node_id FROM "IDENTITY_WORK"."TOUCHED");
-- the identifiers of the rows of orders that hold a touched identifier
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."NEAR_ORDERS" AS
-- The stored rows that hold one of the identifiers, less those this run replaces, and the new
-- rows that hold one: filtering by identifier first keeps the costlier test to few rows.
SELECT n1, n2, n3 FROM (
  SELECT * FROM "IDENTITY_STATE"."ROWS_ORDERS" s WHERE s.n1 IN (SELECT node_id FROM "IDENTITY_WORK"."TOUCHED") OR s.n2 IN (SELECT node_id FROM "IDENTITY_WORK"."TOUCHED") OR s.n3 IN (SELECT node_id FROM "IDENTITY_WORK"."TOUCHED")
) s
WHERE NOT ((ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) AND s.row_hash IN (SELECT row_hash FROM "IDENTITY_WORK"."GONE_ORDERS"))
UNION ALL
SELECT n1, n2, n3 FROM "IDENTITY_WORK"."INS_ORDERS" s WHERE s.n1 IN (SELECT node_id FROM "IDENTITY_WORK"."TOUCHED") OR s.n2 IN (SELECT node_id FROM "IDENTITY_WORK"."TOUCHED") OR s.n3 IN (SELECT node_id FROM "IDENTITY_WORK"."TOUCHED");
-- hubs: the stored ones, with the touched identifiers decided again over all their rows
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."HUBS_NAMED" AS
SELECT node_id, degree, id_type, id_value FROM "IDENTITY_STATE"."HUBS"
WHERE node_id NOT IN (SELECT node_id FROM "IDENTITY_WORK"."TOUCHED")
UNION ALL
SELECT h.node_id, h.degree, t.id_type, t.id_value
FROM (
SELECT node_id, degree
FROM (
  SELECT node AS node_id, max_degree, COUNT(DISTINCT other) AS degree
  FROM (
    SELECT n2 AS node, n1 AS other, 20 AS max_degree
    FROM "IDENTITY_WORK"."NEAR_WEB_EVENTS" WHERE n2 IS NOT NULL AND n1 IS NOT NULL AND n2 <> n1
    UNION ALL SELECT n2 AS node, n3 AS other, 20 AS max_degree
    FROM "IDENTITY_WORK"."NEAR_WEB_EVENTS" WHERE n2 IS NOT NULL AND n3 IS NOT NULL AND n2 <> n3
    UNION ALL SELECT n2 AS node, n1 AS other, 20 AS max_degree
    FROM "IDENTITY_WORK"."NEAR_ORDERS" WHERE n2 IS NOT NULL AND n1 IS NOT NULL AND n2 <> n1
    UNION ALL SELECT n2 AS node, n3 AS other, 20 AS max_degree
    FROM "IDENTITY_WORK"."NEAR_ORDERS" WHERE n2 IS NOT NULL AND n3 IS NOT NULL AND n2 <> n3
    UNION ALL SELECT n3 AS node, n1 AS other, 20 AS max_degree
    FROM "IDENTITY_WORK"."NEAR_ORDERS" WHERE n3 IS NOT NULL AND n1 IS NOT NULL AND n3 <> n1
    UNION ALL SELECT n3 AS node, n2 AS other, 20 AS max_degree
    FROM "IDENTITY_WORK"."NEAR_ORDERS" WHERE n3 IS NOT NULL AND n2 IS NOT NULL AND n3 <> n2
  ) p
  GROUP BY node, max_degree
) d
WHERE degree > max_degree
) h
JOIN "IDENTITY_WORK"."TOUCHED" t ON h.node_id = t.node_id;
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."HUBS" AS
SELECT node_id, degree FROM "IDENTITY_WORK"."HUBS_NAMED";
-- identifiers that became hubs or stopped being ones
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."FLIPS" AS
SELECT t.node_id
FROM "IDENTITY_WORK"."TOUCHED" t
WHERE (CASE WHEN t.node_id IN (SELECT node_id FROM "IDENTITY_STATE"."HUBS") THEN 1 ELSE 0 END)
   <> (CASE WHEN t.node_id IN (SELECT node_id FROM "IDENTITY_WORK"."HUBS_NAMED") THEN 1 ELSE 0 END);
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."FLIPROWS_WEB_EVENTS" AS
SELECT n1, n2, n3 FROM "IDENTITY_WORK"."NEAR_WEB_EVENTS" s WHERE s.n1 IN (SELECT node_id FROM "IDENTITY_WORK"."FLIPS") OR s.n2 IN (SELECT node_id FROM "IDENTITY_WORK"."FLIPS") OR s.n3 IN (SELECT node_id FROM "IDENTITY_WORK"."FLIPS");
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."FLIPROWS_ORDERS" AS
SELECT n1, n2, n3 FROM "IDENTITY_WORK"."NEAR_ORDERS" s WHERE s.n1 IN (SELECT node_id FROM "IDENTITY_WORK"."FLIPS") OR s.n2 IN (SELECT node_id FROM "IDENTITY_WORK"."FLIPS") OR s.n3 IN (SELECT node_id FROM "IDENTITY_WORK"."FLIPS");
-- the batch's rows of web_events without their hubs
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."KEPT_WEB_EVENTS" AS
SELECT ts,
  CASE WHEN n1 IN (SELECT node_id FROM "IDENTITY_WORK"."HUBS") THEN NULL ELSE n1 END AS n1,
  CASE WHEN n2 IN (SELECT node_id FROM "IDENTITY_WORK"."HUBS") THEN NULL ELSE n2 END AS n2,
  CASE WHEN n3 IN (SELECT node_id FROM "IDENTITY_WORK"."HUBS") THEN NULL ELSE n3 END AS n3
FROM "IDENTITY_WORK"."INS_WEB_EVENTS";
-- the batch's rows of orders without their hubs
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."KEPT_ORDERS" AS
SELECT ts,
  CASE WHEN n1 IN (SELECT node_id FROM "IDENTITY_WORK"."HUBS") THEN NULL ELSE n1 END AS n1,
  CASE WHEN n2 IN (SELECT node_id FROM "IDENTITY_WORK"."HUBS") THEN NULL ELSE n2 END AS n2,
  CASE WHEN n3 IN (SELECT node_id FROM "IDENTITY_WORK"."HUBS") THEN NULL ELSE n3 END AS n3
FROM "IDENTITY_WORK"."INS_ORDERS";

-- ===== stage nodes: distinct (id_type, value) with a 64-bit node id
-- the batch's identifiers, counted over its rows
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."NODES" AS
SELECT * FROM (
SELECT node_id, id_type, id_value, type_rank,
  MIN(ts) AS first_seen_at, MAX(ts) AS last_seen_at, COUNT(*) AS row_count
FROM (
  SELECT n1 AS node_id, 'user_id' AS id_type, v1 AS id_value, 0 AS type_rank, ts
  FROM "IDENTITY_WORK"."INS_WEB_EVENTS" WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 AS node_id, 'email' AS id_type, v2 AS id_value, 1 AS type_rank, ts
  FROM "IDENTITY_WORK"."INS_WEB_EVENTS" WHERE n2 IS NOT NULL
  UNION ALL SELECT n3 AS node_id, 'anonymous_id' AS id_type, v3 AS id_value, 2 AS type_rank, ts
  FROM "IDENTITY_WORK"."INS_WEB_EVENTS" WHERE n3 IS NOT NULL
  UNION ALL SELECT n1 AS node_id, 'user_id' AS id_type, v1 AS id_value, 0 AS type_rank, ts
  FROM "IDENTITY_WORK"."INS_ORDERS" WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 AS node_id, 'email' AS id_type, v2 AS id_value, 1 AS type_rank, ts
  FROM "IDENTITY_WORK"."INS_ORDERS" WHERE n2 IS NOT NULL
  UNION ALL SELECT n3 AS node_id, 'email' AS id_type, v3 AS id_value, 1 AS type_rank, ts
  FROM "IDENTITY_WORK"."INS_ORDERS" WHERE n3 IS NOT NULL
) i
GROUP BY node_id, id_type, id_value, type_rank
) n
WHERE node_id NOT IN (SELECT node_id FROM "IDENTITY_WORK"."HUBS");
-- two distinct identifiers must never share a node id
-- check: this count must be 0, else: two different identifiers hashed to the same 64-bit node id; the run stopped so that they are not merged (report this as a bug with the warehouse type)
SELECT COUNT(*) FROM (
  SELECT node_id FROM "IDENTITY_WORK"."NODES" GROUP BY node_id HAVING COUNT(*) > 1
) c;

-- ===== stage edges: the batch's links
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."EDGES" AS
SELECT a, b, row_count, first_seen_at, last_seen_at, SUBSTR((('' || CASE WHEN s0 = 1 THEN ',orders' ELSE '' END) || CASE WHEN s1 = 1 THEN ',web_events' ELSE '' END), 2) AS sources
FROM (
  SELECT LEAST(a, b) AS a, GREATEST(a, b) AS b, CAST(COUNT(*) AS BIGINT) AS row_count,
    MIN(ts) AS first_seen_at, MAX(ts) AS last_seen_at, MAX(s0) AS s0, MAX(s1) AS s1
  FROM (
    SELECT COALESCE(n1, n2, n3) AS a, n2 AS b, ts, 0 AS s0, 1 AS s1
    FROM "IDENTITY_WORK"."KEPT_WEB_EVENTS" WHERE n2 IS NOT NULL AND n2 <> COALESCE(n1, n2, n3)
    UNION ALL SELECT COALESCE(n1, n2, n3) AS a, n3 AS b, ts, 0 AS s0, 1 AS s1
    FROM "IDENTITY_WORK"."KEPT_WEB_EVENTS" WHERE n3 IS NOT NULL AND n3 <> COALESCE(n1, n2, n3)
    UNION ALL SELECT COALESCE(n1, n2, n3) AS a, n2 AS b, ts, 1 AS s0, 0 AS s1
    FROM "IDENTITY_WORK"."KEPT_ORDERS" WHERE n2 IS NOT NULL AND n2 <> COALESCE(n1, n2, n3)
    UNION ALL SELECT COALESCE(n1, n2, n3) AS a, n3 AS b, ts, 1 AS s0, 0 AS s1
    FROM "IDENTITY_WORK"."KEPT_ORDERS" WHERE n3 IS NOT NULL AND n3 <> COALESCE(n1, n2, n3)
  ) e
  GROUP BY LEAST(a, b), GREATEST(a, b)
) g;

-- ===== stage components: groups of the batch's identifiers: its links, and the profiles they belong to
-- the batch's identifiers that are published, with their profiles
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."APP_OLD" AS
SELECT n.node_id, g.universal_id, g.first_seen_at, g.last_seen_at, g.row_count, g.id_type, g.id_value
FROM "IDENTITY_WORK"."NODES" n
JOIN "IDENTITY"."ID_GRAPH" g ON g.node_id = n.node_id;
-- no identifier of the batch may share a node id with another published one
-- check: this count must be 0, else: two different identifiers hashed to the same 64-bit node id; the run stopped so that they are not merged (report this as a bug with the warehouse type)
SELECT COUNT(*) FROM "IDENTITY_WORK"."NODES" n
JOIN "IDENTITY_WORK"."APP_OLD" o ON o.node_id = n.node_id
WHERE o.id_type <> n.id_type OR o.id_value <> n.id_value;
-- round 0: the graph's edges
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."CC_EDGES_0" AS
SELECT a, b FROM "IDENTITY_WORK"."EDGES"
UNION ALL
SELECT o.node_id AS a, r.rep AS b
FROM "IDENTITY_WORK"."APP_OLD" o
JOIN (SELECT universal_id, MIN(node_id) AS rep FROM "IDENTITY_WORK"."APP_OLD" GROUP BY universal_id) r ON o.universal_id = r.universal_id
WHERE o.node_id <> r.rep;

-- rounds 1 to 2; the runner stops when the count below reaches 0 (edges left)
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
-- round 2: rewrite edges onto representatives; drop self-loops (in place of the edges of round 0)
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."CC_EDGES_0" AS
SELECT DISTINCT LEAST(ma.rep, mb.rep) AS a, GREATEST(ma.rep, mb.rep) AS b
FROM "IDENTITY_WORK"."CC_EDGES_1" e
JOIN "IDENTITY_WORK"."CC_MAP_2" ma ON e.a = ma.v
JOIN "IDENTITY_WORK"."CC_MAP_2" mb ON e.b = mb.v
WHERE ma.rep <> mb.rep;
-- 2 rounds must have been enough
-- check: this count must be 0, else: the loop did not finish in the unrolled rounds; compile with more --rounds
SELECT COUNT(*) FROM "IDENTITY_WORK"."CC_EDGES_0";
-- compose the 2 round maps, last to first, and label each component with its smallest node id, whatever the random choices
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."LABELS" AS
WITH
r2 AS (
  SELECT v, rep FROM "IDENTITY_WORK"."CC_MAP_2"
),
r1 AS (
  SELECT m.v, COALESCE(l.rep, m.rep) AS rep
  FROM "IDENTITY_WORK"."CC_MAP_1" m
  LEFT JOIN r2 l ON m.rep = l.v
)
SELECT v AS node_id, MIN(v) OVER (PARTITION BY rep) AS component
FROM r1;
-- every identifier of the batch with its group
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."APP_GROUPS" AS
SELECT n.node_id, COALESCE(l.component, n.node_id) AS grp
FROM "IDENTITY_WORK"."NODES" n
LEFT JOIN "IDENTITY_WORK"."LABELS" l ON l.node_id = n.node_id;
-- the published profiles the batch touches, with their groups
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."APP_PREV" AS
SELECT DISTINCT o.universal_id AS old_id, g.grp
FROM "IDENTITY_WORK"."APP_OLD" o
JOIN "IDENTITY_WORK"."APP_GROUPS" g ON g.node_id = o.node_id;
-- the stored region of each touched profile
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."APP_REGION_OLD" AS
SELECT DISTINCT o.universal_id AS old_id, g.grp, r.region
FROM "IDENTITY_WORK"."APP_OLD" o
JOIN "IDENTITY_WORK"."APP_GROUPS" g ON g.node_id = o.node_id
JOIN "IDENTITY_STATE"."REGIONS" r ON r.node_id = o.node_id;

-- ===== stage ids: one universal id per group, from its anchor identifier
-- the candidates for each group's anchor
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."ASSIGN" AS
SELECT g.grp AS component, n.id_type, n.id_value, n.type_rank,
  CASE WHEN o.first_seen_at IS NULL OR o.first_seen_at > n.first_seen_at THEN n.first_seen_at ELSE o.first_seen_at END AS first_seen_at
FROM "IDENTITY_WORK"."NODES" n
JOIN "IDENTITY_WORK"."APP_GROUPS" g ON g.node_id = n.node_id
LEFT JOIN "IDENTITY_WORK"."APP_OLD" o ON o.node_id = n.node_id
UNION ALL
SELECT f.grp AS component, x.id_type, x.id_value,
  CASE x.id_type WHEN 'user_id' THEN 0 WHEN 'email' THEN 1 WHEN 'anonymous_id' THEN 2 END AS type_rank,
  x.first_seen_at
FROM "IDENTITY"."ID_GRAPH" x
JOIN (
  SELECT m.old_id, m.grp, p.first_seen_at
  FROM "IDENTITY_WORK"."APP_PREV" m
  JOIN "IDENTITY"."PROFILES" p ON p.universal_id = m.old_id
) f ON x.universal_id = f.old_id
  AND COALESCE(x.first_seen_at, CAST('0001-01-01 00:00:00' AS TIMESTAMP)) = COALESCE(f.first_seen_at, CAST('0001-01-01 00:00:00' AS TIMESTAMP));
-- anchor: earliest first_seen, then type priority, then value
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."ANCHORS" AS
SELECT component, id_type AS anchor_type, id_value AS anchor_value,
  MD5(('append_only_guards' || '|' || id_type || '|' || id_value)) AS universal_id
FROM (
  SELECT component, id_type, id_value,
    ROW_NUMBER() OVER (PARTITION BY component ORDER BY first_seen_at ASC NULLS LAST, type_rank, id_value) AS pos
  FROM "IDENTITY_WORK"."ASSIGN"
) a
WHERE pos = 1;
-- each touched profile's universal id, and its group's
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."APP_MOVES" AS
SELECT p.old_id, p.grp, a.universal_id AS new_id
FROM "IDENTITY_WORK"."APP_PREV" p
JOIN "IDENTITY_WORK"."ANCHORS" a ON a.component = p.grp;

-- ===== stage outputs: the rows of the output tables the batch changes, and what changed
-- the batch's identifiers, and those of the profiles whose id changes
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."GRAPH" AS
SELECT a.universal_id, n.id_type, n.id_value,
  CASE WHEN o.first_seen_at IS NULL OR o.first_seen_at > n.first_seen_at THEN n.first_seen_at ELSE o.first_seen_at END AS first_seen_at,
  CASE WHEN o.last_seen_at IS NULL OR o.last_seen_at < n.last_seen_at THEN n.last_seen_at ELSE o.last_seen_at END AS last_seen_at,
  CAST(COALESCE(o.row_count, 0) + n.row_count AS BIGINT) AS row_count, n.node_id, o.universal_id AS old_universal_id
FROM "IDENTITY_WORK"."NODES" n
JOIN "IDENTITY_WORK"."APP_GROUPS" g ON g.node_id = n.node_id
JOIN "IDENTITY_WORK"."ANCHORS" a ON a.component = g.grp
LEFT JOIN "IDENTITY_WORK"."APP_OLD" o ON o.node_id = n.node_id
UNION ALL
SELECT m.new_id AS universal_id, x.id_type, x.id_value, x.first_seen_at, x.last_seen_at, x.row_count, x.node_id, m.old_id AS old_universal_id
FROM "IDENTITY"."ID_GRAPH" x
JOIN "IDENTITY_WORK"."APP_MOVES" m ON x.universal_id = m.old_id
WHERE m.old_id <> m.new_id AND x.node_id NOT IN (SELECT node_id FROM "IDENTITY_WORK"."NODES");
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."REDO" AS
SELECT node_id, id_type, id_value FROM "IDENTITY_WORK"."GRAPH";
-- their published universal ids
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."OLD_MAP" AS
SELECT node_id, old_universal_id AS universal_id FROM "IDENTITY_WORK"."GRAPH" WHERE old_universal_id IS NOT NULL;
-- every row of graph replaces its published one
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."GRAPH_WRITE" AS
SELECT node_id, id_type FROM "IDENTITY_WORK"."GRAPH";
-- each group's region label: its smallest node id
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."APP_LABELS" AS
SELECT grp, MIN(region) AS region
FROM (
  SELECT grp, region FROM "IDENTITY_WORK"."APP_REGION_OLD"
  UNION ALL
  SELECT grp, node_id AS region FROM "IDENTITY_WORK"."APP_GROUPS" WHERE node_id NOT IN (SELECT node_id FROM "IDENTITY_WORK"."APP_OLD")
) r
GROUP BY grp;
-- the regions rows that change
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."REGIONS_NEW" AS
SELECT g.node_id, l.region, n.id_type
FROM "IDENTITY_WORK"."APP_GROUPS" g
JOIN "IDENTITY_WORK"."APP_LABELS" l ON l.grp = g.grp
JOIN "IDENTITY_WORK"."NODES" n ON n.node_id = g.node_id
UNION ALL
SELECT r.node_id, l.region, r.id_type
FROM "IDENTITY_STATE"."REGIONS" r
JOIN "IDENTITY_WORK"."APP_REGION_OLD" o ON r.region = o.region
JOIN "IDENTITY_WORK"."APP_LABELS" l ON l.grp = o.grp
WHERE o.region <> l.region AND r.node_id NOT IN (SELECT node_id FROM "IDENTITY_WORK"."NODES");
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."REGIONS_WRITE" AS
SELECT node_id, id_type FROM "IDENTITY_WORK"."REGIONS_NEW";
-- the universal ids whose profiles rows are replaced
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."REDO_IDS" AS
SELECT DISTINCT universal_id FROM (
  SELECT old_id AS universal_id FROM "IDENTITY_WORK"."APP_MOVES"
  UNION ALL
  SELECT universal_id FROM "IDENTITY_WORK"."ANCHORS"
) u;
-- one profiles row per group
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."PROFILES_REGION" AS
WITH parts AS (
  SELECT m.grp, p.first_seen_at, p.last_seen_at, p.identifiers, p."USER_ID_COUNT", p."EMAIL_COUNT", p."ANONYMOUS_ID_COUNT"
  FROM "IDENTITY"."PROFILES" p
  JOIN "IDENTITY_WORK"."APP_MOVES" m ON p.universal_id = m.old_id
  UNION ALL
  SELECT g.grp, n.first_seen_at, n.last_seen_at, CASE WHEN o.node_id IS NULL THEN 1 ELSE 0 END, CASE WHEN o.node_id IS NULL AND n.id_type = 'user_id' THEN 1 ELSE 0 END, CASE WHEN o.node_id IS NULL AND n.id_type = 'email' THEN 1 ELSE 0 END, CASE WHEN o.node_id IS NULL AND n.id_type = 'anonymous_id' THEN 1 ELSE 0 END
  FROM "IDENTITY_WORK"."NODES" n
  JOIN "IDENTITY_WORK"."APP_GROUPS" g ON g.node_id = n.node_id
  LEFT JOIN "IDENTITY_WORK"."APP_OLD" o ON o.node_id = n.node_id
), latest AS (
  SELECT grp, id_type, id_value,
    ROW_NUMBER() OVER (PARTITION BY grp, id_type ORDER BY last_seen_at DESC NULLS LAST, id_value DESC) AS pos
  FROM (
    SELECT g.grp, n.id_type, n.id_value,
      CASE WHEN o.last_seen_at IS NULL OR o.last_seen_at < n.last_seen_at THEN n.last_seen_at ELSE o.last_seen_at END AS last_seen_at
    FROM "IDENTITY_WORK"."NODES" n
    JOIN "IDENTITY_WORK"."APP_GROUPS" g ON g.node_id = n.node_id
    LEFT JOIN "IDENTITY_WORK"."APP_OLD" o ON o.node_id = n.node_id
    UNION ALL
    SELECT l.grp, x.id_type, x.id_value, x.last_seen_at
    FROM "IDENTITY"."ID_GRAPH" x
    JOIN (
      SELECT m.old_id, m.grp, 'user_id' AS id_type, p."LATEST_USER_ID" AS id_value
      FROM "IDENTITY"."PROFILES" p JOIN "IDENTITY_WORK"."APP_MOVES" m ON p.universal_id = m.old_id
      UNION ALL SELECT m.old_id, m.grp, 'email' AS id_type, p."LATEST_EMAIL" AS id_value
      FROM "IDENTITY"."PROFILES" p JOIN "IDENTITY_WORK"."APP_MOVES" m ON p.universal_id = m.old_id
      UNION ALL SELECT m.old_id, m.grp, 'anonymous_id' AS id_type, p."LATEST_ANONYMOUS_ID" AS id_value
      FROM "IDENTITY"."PROFILES" p JOIN "IDENTITY_WORK"."APP_MOVES" m ON p.universal_id = m.old_id
    ) l ON x.universal_id = l.old_id AND x.id_type = l.id_type AND x.id_value = l.id_value
  ) c
)
SELECT a.universal_id, s.first_seen_at, s.last_seen_at, s.identifiers, s."USER_ID_COUNT", l."LATEST_USER_ID", s."EMAIL_COUNT", l."LATEST_EMAIL", s."ANONYMOUS_ID_COUNT", l."LATEST_ANONYMOUS_ID"
FROM (
  SELECT grp, MIN(first_seen_at) AS first_seen_at, MAX(last_seen_at) AS last_seen_at, CAST(SUM(identifiers) AS BIGINT) AS identifiers, CAST(SUM("USER_ID_COUNT") AS BIGINT) AS "USER_ID_COUNT", CAST(SUM("EMAIL_COUNT") AS BIGINT) AS "EMAIL_COUNT", CAST(SUM("ANONYMOUS_ID_COUNT") AS BIGINT) AS "ANONYMOUS_ID_COUNT"
  FROM parts
  GROUP BY grp
) s
JOIN "IDENTITY_WORK"."ANCHORS" a ON a.component = s.grp
LEFT JOIN (
  SELECT grp, MAX(CASE WHEN id_type = 'user_id' THEN id_value END) AS "LATEST_USER_ID", MAX(CASE WHEN id_type = 'email' THEN id_value END) AS "LATEST_EMAIL", MAX(CASE WHEN id_type = 'anonymous_id' THEN id_value END) AS "LATEST_ANONYMOUS_ID"
  FROM latest
  WHERE pos = 1
  GROUP BY grp
) l ON l.grp = s.grp;
-- universal ids that are new or merged since the last run
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
    FROM "IDENTITY_WORK"."OLD_MAP" o
    FULL OUTER JOIN "IDENTITY_WORK"."GRAPH" n ON o.node_id = n.node_id
  ) m
  WHERE old_id IS NULL OR new_id IS NULL OR old_id <> new_id
  GROUP BY old_id, new_id
) p
-- identifiers seen for the first time that join a profile which already existed change no id
WHERE NOT (p.old_id IS NULL AND p.new_id IN (SELECT universal_id FROM "IDENTITY_WORK"."OLD_MAP"));
-- the links the batch adds, and the published ones it adds to or relabels
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."EDGES_DIFF" AS
WITH moved AS (
  SELECT old_id, new_id FROM "IDENTITY_WORK"."APP_MOVES" WHERE old_id <> new_id
), b AS (
  SELECT a.universal_id, na.id_type AS id_type_a, na.id_value AS id_value_a, nb.id_type AS id_type_b, nb.id_value AS id_value_b,
    e.row_count, e.first_seen_at, e.last_seen_at, e.sources, oa.universal_id AS old_a, ob.universal_id AS old_b
  FROM "IDENTITY_WORK"."EDGES" e
  JOIN "IDENTITY_WORK"."NODES" na ON na.node_id = e.a
  JOIN "IDENTITY_WORK"."NODES" nb ON nb.node_id = e.b
  JOIN "IDENTITY_WORK"."APP_GROUPS" g ON g.node_id = e.a
  JOIN "IDENTITY_WORK"."ANCHORS" a ON a.component = g.grp
  LEFT JOIN "IDENTITY_WORK"."APP_OLD" oa ON oa.node_id = e.a
  LEFT JOIN "IDENTITY_WORK"."APP_OLD" ob ON ob.node_id = e.b
), kept AS (
  SELECT old_a, id_type_a, id_value_a, id_type_b, id_value_b FROM b
  WHERE old_a = old_b AND old_a NOT IN (SELECT old_id FROM moved)
), o AS (
  -- one pass over the published links
  SELECT p.universal_id, p.id_type_a, p.id_value_a, p.id_type_b, p.id_value_b, p.row_count, p.first_seen_at, p.last_seen_at, p.sources,
    COALESCE(m.new_id, p.universal_id) AS new_id
  FROM "IDENTITY"."ID_EDGES" p
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
  CAST(COALESCE(o.row_count, 0) + COALESCE(b.row_count, 0) AS BIGINT) AS row_count,
  CASE WHEN o.first_seen_at IS NULL OR o.first_seen_at > b.first_seen_at THEN b.first_seen_at ELSE o.first_seen_at END AS first_seen_at,
  CASE WHEN o.last_seen_at IS NULL OR o.last_seen_at < b.last_seen_at THEN b.last_seen_at ELSE o.last_seen_at END AS last_seen_at,
  SUBSTR((('' || CASE WHEN (REGEXP_INSTR(o.sources, '(^|,)orders(,|$)') > 0) OR (REGEXP_INSTR(b.sources, '(^|,)orders(,|$)') > 0) THEN ',orders' ELSE '' END) || CASE WHEN (REGEXP_INSTR(o.sources, '(^|,)web_events(,|$)') > 0) OR (REGEXP_INSTR(b.sources, '(^|,)web_events(,|$)') > 0) THEN ',web_events' ELSE '' END), 2) AS sources
FROM o
FULL OUTER JOIN b ON o.id_type_a = b.id_type_a AND o.id_value_a = b.id_value_a AND o.id_type_b = b.id_type_b AND o.id_value_b = b.id_value_b;
-- what was kept out of the graph, and why
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY"."ID_QUARANTINE__NEXT" AS
SELECT id_type, id_value, reason, evidence, CAST(0 AS BIGINT) AS run_id
FROM (
  SELECT id_type, id_value, reason, evidence FROM "IDENTITY_WORK"."QVALUES_NEW"
  UNION ALL SELECT q.id_type, q.id_value, q.reason, q.evidence
FROM "IDENTITY"."ID_QUARANTINE" q
WHERE q.reason IN ('limit_conflict', 'anonymous_isolated')
  AND NOT EXISTS (SELECT 1 FROM "IDENTITY_WORK"."REDO" r WHERE r.id_type = q.id_type AND r.id_value = q.id_value)
  UNION ALL SELECT id_type, id_value, 'hub' AS reason, degree AS evidence FROM "IDENTITY_WORK"."HUBS_NAMED"
) q;
-- no audiences: none
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY"."AUDIENCE_MEMBERS__NEXT" AS
SELECT m.audience, m.universal_id, COALESCE(prev.entered_at, CAST(SYSDATE() AS TIMESTAMP)) AS entered_at
FROM (
  SELECT CAST(NULL AS VARCHAR) AS audience, CAST(NULL AS VARCHAR) AS universal_id FROM "IDENTITY_WORK"."PROFILES_REGION" WHERE 1 = 0
) m
LEFT JOIN "IDENTITY"."AUDIENCE_MEMBERS" prev ON prev.audience = m.audience AND prev.universal_id = m.universal_id
UNION ALL
SELECT audience, universal_id, entered_at FROM "IDENTITY"."AUDIENCE_MEMBERS"
WHERE universal_id NOT IN (SELECT universal_id FROM "IDENTITY_WORK"."REDO_IDS");

-- ===== stage publish: replace the recomputed regions' rows and update the state, all together
BEGIN;
DELETE FROM "IDENTITY"."ID_GRAPH" WHERE node_id IN (SELECT node_id FROM "IDENTITY_WORK"."GRAPH_WRITE");
INSERT INTO "IDENTITY"."ID_GRAPH" SELECT * FROM (SELECT universal_id, id_type, id_value, first_seen_at, last_seen_at, row_count, node_id
FROM "IDENTITY_WORK"."GRAPH") q WHERE q.node_id IN (SELECT node_id FROM "IDENTITY_WORK"."GRAPH_WRITE");
DELETE FROM "IDENTITY"."PROFILES" WHERE universal_id IN (SELECT universal_id FROM "IDENTITY_WORK"."REDO_IDS");
INSERT INTO "IDENTITY"."PROFILES" SELECT * FROM "IDENTITY_WORK"."PROFILES_REGION";
DELETE FROM "IDENTITY"."ID_EDGES" USING (
  SELECT s_universal_id, s_id_type_a, s_id_value_a, s_id_type_b, s_id_value_b
  FROM "IDENTITY_WORK"."EDGES_DIFF" WHERE s_universal_id IS NOT NULL
) s
WHERE universal_id = s.s_universal_id AND id_type_a = s.s_id_type_a AND id_value_a = s.s_id_value_a
  AND id_type_b = s.s_id_type_b AND id_value_b = s.s_id_value_b;
INSERT INTO "IDENTITY"."ID_EDGES"
SELECT universal_id, id_type_a, id_value_a, id_type_b, id_value_b, row_count, first_seen_at, last_seen_at, sources
FROM "IDENTITY_WORK"."EDGES_DIFF"
WHERE universal_id IS NOT NULL;
UPDATE "IDENTITY"."AUDIENCE_HISTORY" AS h
SET exited_at = CAST(SYSDATE() AS TIMESTAMP)
WHERE h.exited_at IS NULL
  AND NOT EXISTS (
    SELECT 1 FROM "IDENTITY"."AUDIENCE_MEMBERS__NEXT" n
    WHERE n.audience = h.audience AND n.universal_id = h.universal_id
  );
INSERT INTO "IDENTITY"."AUDIENCE_HISTORY" (audience, universal_id, entered_at, exited_at, run_id)
SELECT n.audience, n.universal_id, n.entered_at, CAST(NULL AS TIMESTAMP), CAST(0 AS BIGINT)
FROM "IDENTITY"."AUDIENCE_MEMBERS__NEXT" n
WHERE NOT EXISTS (
  SELECT 1 FROM "IDENTITY"."AUDIENCE_HISTORY" h
  WHERE h.exited_at IS NULL AND h.audience = n.audience AND h.universal_id = n.universal_id
);
DELETE FROM "IDENTITY"."ID_QUARANTINE" WHERE 1 = 1;
INSERT INTO "IDENTITY"."ID_QUARANTINE" SELECT * FROM "IDENTITY"."ID_QUARANTINE__NEXT";
DELETE FROM "IDENTITY"."AUDIENCE_MEMBERS" WHERE 1 = 1;
INSERT INTO "IDENTITY"."AUDIENCE_MEMBERS" SELECT * FROM "IDENTITY"."AUDIENCE_MEMBERS__NEXT";
-- the rows of web_events
DELETE FROM "IDENTITY_STATE"."ROWS_WEB_EVENTS" WHERE (ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) AND row_hash IN (SELECT row_hash FROM "IDENTITY_WORK"."GONE_WEB_EVENTS");
INSERT INTO "IDENTITY_STATE"."ROWS_WEB_EVENTS" SELECT * FROM "IDENTITY_WORK"."INS_WEB_EVENTS";
-- the rows of orders
DELETE FROM "IDENTITY_STATE"."ROWS_ORDERS" WHERE (ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) AND row_hash IN (SELECT row_hash FROM "IDENTITY_WORK"."GONE_ORDERS");
INSERT INTO "IDENTITY_STATE"."ROWS_ORDERS" SELECT * FROM "IDENTITY_WORK"."INS_ORDERS";
DELETE FROM "IDENTITY_STATE"."HUBS" WHERE 1 = 1;
INSERT INTO "IDENTITY_STATE"."HUBS" SELECT node_id, degree, id_type, id_value FROM "IDENTITY_WORK"."HUBS_NAMED";
DELETE FROM "IDENTITY_STATE"."QVALUES" WHERE 1 = 1;
INSERT INTO "IDENTITY_STATE"."QVALUES" SELECT id_type, id_value, reason, evidence FROM "IDENTITY_WORK"."QVALUES_NEW";
DELETE FROM "IDENTITY_STATE"."REGIONS" WHERE node_id IN (SELECT node_id FROM "IDENTITY_WORK"."REGIONS_WRITE");
INSERT INTO "IDENTITY_STATE"."REGIONS" SELECT * FROM (SELECT node_id, region, id_type FROM "IDENTITY_WORK"."REGIONS_NEW") q WHERE q.node_id IN (SELECT node_id FROM "IDENTITY_WORK"."REGIONS_WRITE");
DELETE FROM "IDENTITY_STATE"."META" WHERE 1 = 1;
INSERT INTO "IDENTITY_STATE"."META" (section, fingerprint) VALUES ('layout', '5'), ('audiences', '74234e98afe7498f'), ('checks', 'c12f03c758822bb3'), ('degrees', '253b771d5c232358'), ('id_salt', '1b228b578797df7c'), ('id_types', 'abcf59e8d5a2844c'), ('limits', '{"user_id":1}'), ('policy', '439083f38956ba51'), ('sources', 'a74b034869b9d61f'), ('traits', '74234e98afe7498f');
INSERT INTO "IDENTITY"."ID_CHANGES" (run_id, changed_at, kind, old_universal_id, new_universal_id, identifiers) SELECT 0, CAST(SYSDATE() AS TIMESTAMP), kind, old_universal_id, new_universal_id, identifiers FROM "IDENTITY_WORK"."CHANGES";
COMMIT;

-- the append-only path goes on after its stage guards only when this counts 0, else the run goes on after the extract stage above (the batch flips a hub decision):
SELECT 0
  + (SELECT COUNT(*) FROM "IDENTITY_WORK"."FLIPS") AS n;

-- the append-only path goes on after its stage components only when this counts 0, else the run goes on after the extract stage above (the batch merges what a limit must split, or touches a profile a limit split):
SELECT 0
  + (SELECT COUNT(*) FROM (
       SELECT grp, id_type
       FROM (
         SELECT m.grp, 'user_id' AS id_type, p."USER_ID_COUNT" AS k
         FROM "IDENTITY"."PROFILES" p JOIN "IDENTITY_WORK"."APP_PREV" m ON p.universal_id = m.old_id
         UNION ALL
         SELECT g.grp, n.id_type, 1 AS k
         FROM "IDENTITY_WORK"."NODES" n
         JOIN "IDENTITY_WORK"."APP_GROUPS" g ON g.node_id = n.node_id
         WHERE n.node_id NOT IN (SELECT node_id FROM "IDENTITY_WORK"."APP_OLD")
       ) c
       GROUP BY grp, id_type
       HAVING (id_type = 'user_id' AND SUM(k) > 1)
     ) v)
  + (SELECT COUNT(*) FROM "IDENTITY_WORK"."NODES" n JOIN "IDENTITY_STATE"."REGIONS" r ON r.node_id = n.node_id
     WHERE n.node_id NOT IN (SELECT node_id FROM "IDENTITY_WORK"."APP_OLD"))
  + (SELECT COUNT(*)
     FROM (SELECT region, COUNT(DISTINCT old_id) AS profiles, MAX(old_id) AS old_id FROM "IDENTITY_WORK"."APP_REGION_OLD" GROUP BY region) x
     JOIN "IDENTITY"."PROFILES" p ON p.universal_id = x.old_id
     JOIN (
       SELECT region, COUNT(*) AS members FROM "IDENTITY_STATE"."REGIONS"
       WHERE region IN (SELECT region FROM "IDENTITY_WORK"."APP_REGION_OLD")
       GROUP BY region
     ) m ON m.region = x.region
     WHERE x.profiles > 1 OR m.members <> p.identifiers) AS n;
