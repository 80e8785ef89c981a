-- idstitch plan: project scopes, warehouse snowflake, components by contraction
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
  node_id BIGINT,
  scope VARCHAR,
  pool VARCHAR
);
-- every change of universal ids, across runs
CREATE TABLE IF NOT EXISTS "IDENTITY"."ID_CHANGES" (
  run_id BIGINT,
  changed_at TIMESTAMP,
  kind VARCHAR,
  old_universal_id VARCHAR,
  new_universal_id VARCHAR,
  identifiers BIGINT,
  pool VARCHAR
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
ALTER TABLE "IDENTITY"."ID_GRAPH" ADD COLUMN IF NOT EXISTS "SCOPE" VARCHAR;
ALTER TABLE "IDENTITY"."ID_GRAPH" ADD COLUMN IF NOT EXISTS "POOL" VARCHAR;
ALTER TABLE "IDENTITY"."ID_CHANGES" ADD COLUMN IF NOT EXISTS "POOL" VARCHAR;
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
-- source events (events): the rows read again
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."WIN_EVENTS" AS
SELECT e.*, HASH(COALESCE(CAST(ts AS VARCHAR), '∅'), COALESCE(CAST(sc AS VARCHAR), '∅'), COALESCE(CAST(v1 AS VARCHAR), '∅'), COALESCE(CAST(q1 AS VARCHAR), '∅'), COALESCE(CAST(v2 AS VARCHAR), '∅'), COALESCE(CAST(q2 AS VARCHAR), '∅')) AS row_hash
FROM (
SELECT
  ts,
  sc,
  pl,
  v1,
  q1,
  CASE WHEN v1 IS NULL OR q1 IS NOT NULL THEN NULL ELSE HASH('user_id', (pl || '|' || v1)) END AS n1,
  v2,
  q2,
  CASE WHEN v2 IS NULL OR q2 IS NOT NULL THEN NULL ELSE HASH('device_id', (sc || '|' || v2)) END AS n2
FROM (
  SELECT
    ts,
    sc,
    CASE sc WHEN 'app1' THEN 'games' WHEN 'app2' THEN 'games' WHEN 'web' THEN 'shop' END AS pl,
    v1,
    CAST(NULL AS VARCHAR) AS q1,
    v2,
    CAST(NULL AS VARCHAR) AS q2
  FROM (
    SELECT
      ts,
      sc,
      NULLIF(r1, '') AS v1,
      NULLIF(r2, '') AS v2
    FROM (
      SELECT
        CAST("TS" AS TIMESTAMP) AS ts,
        CASE CAST("APP_ID" AS VARCHAR) WHEN 'app1' THEN 'app1' WHEN 'app2' THEN 'app2' WHEN 'web' THEN 'web' ELSE 'app1' END AS sc,
        NULLIF(CAST("USER_ID" AS VARCHAR), '') AS r1,
        NULLIF(CAST("DEVICE_ID" AS VARCHAR), '') AS r2
      FROM "EVENTS"
      WHERE (CAST("TS" AS TIMESTAMP) IS NULL OR CAST("TS" AS TIMESTAMP) >= CAST('2026-10-29 00:00:00' AS TIMESTAMP))
    ) r
  ) v
) s
WHERE sc IS NOT NULL
) e;
-- rows whose count differs from the stored ones
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."CHANGED_EVENTS" AS
SELECT COALESCE(n.row_hash, o.row_hash) AS row_hash, CASE WHEN o.c IS NULL THEN 0 ELSE 1 END AS stored
FROM (SELECT row_hash, COUNT(*) AS c FROM "IDENTITY_WORK"."WIN_EVENTS" GROUP BY row_hash) n
FULL OUTER JOIN (
  SELECT row_hash, COUNT(*) AS c FROM "IDENTITY_STATE"."ROWS_EVENTS" s WHERE (ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) GROUP BY row_hash
) o ON n.row_hash = o.row_hash
WHERE n.c IS NULL OR o.c IS NULL OR n.c <> o.c;
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."INS_EVENTS" AS
SELECT * FROM "IDENTITY_WORK"."WIN_EVENTS" WHERE row_hash IN (SELECT row_hash FROM "IDENTITY_WORK"."CHANGED_EVENTS");
-- the stored rows that this run replaces
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."GONE_EVENTS" AS
SELECT row_hash FROM "IDENTITY_WORK"."CHANGED_EVENTS" WHERE stored = 1;
-- their identifiers
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."DEL_EVENTS" AS
SELECT sc, pl, n1, v1, n2, v2, q1, q2 FROM "IDENTITY_STATE"."ROWS_EVENTS" WHERE (ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) AND row_hash IN (SELECT row_hash FROM "IDENTITY_WORK"."GONE_EVENTS");
-- source crm (crm): the rows read again
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."WIN_CRM" AS
SELECT e.*, HASH(COALESCE(CAST(ts AS VARCHAR), '∅'), COALESCE(CAST(sc AS VARCHAR), '∅'), COALESCE(CAST(v1 AS VARCHAR), '∅'), COALESCE(CAST(q1 AS VARCHAR), '∅'), COALESCE(CAST(v2 AS VARCHAR), '∅'), COALESCE(CAST(q2 AS VARCHAR), '∅')) AS row_hash
FROM (
SELECT
  ts,
  sc,
  pl,
  v1,
  q1,
  CASE WHEN v1 IS NULL OR q1 IS NOT NULL THEN NULL ELSE HASH('user_id', (pl || '|' || v1)) END AS n1,
  v2,
  q2,
  CASE WHEN v2 IS NULL OR q2 IS NOT NULL THEN NULL ELSE HASH('email', (pl || '|' || v2)) END AS n2
FROM (
  SELECT
    ts,
    sc,
    CASE sc WHEN 'app1' THEN 'games' WHEN 'app2' THEN 'games' WHEN 'web' THEN 'shop' END AS pl,
    v1,
    CAST(NULL AS VARCHAR) AS q1,
    v2,
    CAST(NULL AS VARCHAR) AS q2
  FROM (
    SELECT
      ts,
      sc,
      NULLIF(r1, '') AS v1,
      NULLIF(r2, '') AS v2
    FROM (
      SELECT
        CAST("UPDATED_AT" AS TIMESTAMP) AS ts,
        CAST('web' AS VARCHAR) AS sc,
        NULLIF(CAST("CUSTOMER_ID" AS VARCHAR), '') AS r1,
        NULLIF(CAST("EMAIL" AS VARCHAR), '') AS r2
      FROM "CRM"
      WHERE (CAST("UPDATED_AT" AS TIMESTAMP) IS NULL OR CAST("UPDATED_AT" AS TIMESTAMP) >= CAST('2026-10-29 00:00:00' AS TIMESTAMP))
    ) r
  ) v
) s
WHERE sc IS NOT NULL
) e;
-- rows whose count differs from the stored ones
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."CHANGED_CRM" AS
SELECT COALESCE(n.row_hash, o.row_hash) AS row_hash, CASE WHEN o.c IS NULL THEN 0 ELSE 1 END AS stored
FROM (SELECT row_hash, COUNT(*) AS c FROM "IDENTITY_WORK"."WIN_CRM" GROUP BY row_hash) n
FULL OUTER JOIN (
  SELECT row_hash, COUNT(*) AS c FROM "IDENTITY_STATE"."ROWS_CRM" s WHERE (ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) GROUP BY row_hash
) o ON n.row_hash = o.row_hash
WHERE n.c IS NULL OR o.c IS NULL OR n.c <> o.c;
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."INS_CRM" AS
SELECT * FROM "IDENTITY_WORK"."WIN_CRM" WHERE row_hash IN (SELECT row_hash FROM "IDENTITY_WORK"."CHANGED_CRM");
-- the stored rows that this run replaces
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."GONE_CRM" AS
SELECT row_hash FROM "IDENTITY_WORK"."CHANGED_CRM" WHERE stored = 1;
-- their identifiers
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."DEL_CRM" AS
SELECT sc, pl, n1, v1, n2, v2, q1, q2 FROM "IDENTITY_STATE"."ROWS_CRM" WHERE (ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) AND row_hash IN (SELECT row_hash FROM "IDENTITY_WORK"."GONE_CRM");

-- ===== stage region: the identifiers the changed rows touch, the hub decisions they change, and the regions to recompute
-- identifiers on rows that are new, changed or gone
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."TOUCHED" AS
SELECT DISTINCT node_id, id_type, id_value
FROM (
  SELECT n1 AS node_id, 'user_id' AS id_type, (pl || '|' || v1) AS id_value
  FROM "IDENTITY_WORK"."INS_EVENTS" WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 AS node_id, 'device_id' AS id_type, (sc || '|' || v2) AS id_value
  FROM "IDENTITY_WORK"."INS_EVENTS" WHERE n2 IS NOT NULL
  UNION ALL SELECT n1 AS node_id, 'user_id' AS id_type, (pl || '|' || v1) AS id_value
  FROM "IDENTITY_WORK"."INS_CRM" WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 AS node_id, 'email' AS id_type, (pl || '|' || v2) AS id_value
  FROM "IDENTITY_WORK"."INS_CRM" WHERE n2 IS NOT NULL
  UNION ALL SELECT n1 AS node_id, 'user_id' AS id_type, (pl || '|' || v1) AS id_value
  FROM "IDENTITY_WORK"."DEL_EVENTS" WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 AS node_id, 'device_id' AS id_type, (sc || '|' || v2) AS id_value
  FROM "IDENTITY_WORK"."DEL_EVENTS" WHERE n2 IS NOT NULL
  UNION ALL SELECT n1 AS node_id, 'user_id' AS id_type, (pl || '|' || v1) AS id_value
  FROM "IDENTITY_WORK"."DEL_CRM" WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 AS node_id, 'email' AS id_type, (pl || '|' || v2) AS id_value
  FROM "IDENTITY_WORK"."DEL_CRM" WHERE n2 IS NOT NULL
) t;
-- invalid and blocked values, counted over all rows
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."QVALUES_NEW" AS
SELECT CAST(NULL AS VARCHAR) AS id_type, CAST(NULL AS VARCHAR) AS id_value, CAST(NULL AS VARCHAR) AS reason, CAST(NULL AS BIGINT) AS evidence WHERE 1 = 0;
-- the identifiers of the rows of events that hold a touched identifier
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."NEAR_EVENTS" AS
-- The stored rows that hold one of the identifiers, less those this run replaces, and the new
-- rows that hold one: filtering by identifier first keeps the costlier test to few rows.
SELECT n1, n2 FROM (
  SELECT * FROM "IDENTITY_STATE"."ROWS_EVENTS" s WHERE s.n1 IN (SELECT node_id FROM "IDENTITY_WORK"."TOUCHED") OR s.n2 IN (SELECT node_id FROM "IDENTITY_WORK"."TOUCHED")
) s
WHERE NOT ((ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) AND s.row_hash IN (SELECT row_hash FROM "IDENTITY_WORK"."GONE_EVENTS"))
UNION ALL
SELECT n1, n2 FROM "IDENTITY_WORK"."INS_EVENTS" s WHERE s.n1 IN (SELECT node_id FROM "IDENTITY_WORK"."TOUCHED") OR s.n2 IN (SELECT node_id FROM "IDENTITY_WORK"."TOUCHED");
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
    SELECT n2 AS node, n1 AS other, 50 AS max_degree
    FROM "IDENTITY_WORK"."NEAR_EVENTS" WHERE n2 IS NOT NULL AND n1 IS NOT NULL AND n2 <> n1
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
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."FLIPROWS_EVENTS" AS
SELECT n1, n2 FROM "IDENTITY_WORK"."NEAR_EVENTS" s WHERE s.n1 IN (SELECT node_id FROM "IDENTITY_WORK"."FLIPS") OR s.n2 IN (SELECT node_id FROM "IDENTITY_WORK"."FLIPS");
-- touched identifiers, the partners of those whose hub decision flipped, and the regions a changed limit can split
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."SEEDS" AS
SELECT DISTINCT node_id FROM (
  SELECT node_id FROM "IDENTITY_WORK"."TOUCHED"
  UNION ALL SELECT n1 FROM "IDENTITY_WORK"."FLIPROWS_EVENTS" WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 FROM "IDENTITY_WORK"."FLIPROWS_EVENTS" WHERE n2 IS NOT NULL
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
  SELECT node_id, (COALESCE(scope, pool) || '|' || id_value) AS id_value FROM "IDENTITY"."ID_GRAPH"
  WHERE node_id IN (SELECT node_id FROM "IDENTITY_WORK"."RNODES")
  UNION ALL
  SELECT HASH(id_type, (COALESCE(scope, pool) || '|' || id_value)) AS node_id, (COALESCE(scope, pool) || '|' || id_value) AS id_value FROM "IDENTITY"."ID_QUARANTINE"
  WHERE reason IN ('limit_conflict', 'anonymous_isolated')
  UNION ALL
  SELECT node_id, id_value FROM "IDENTITY_WORK"."TOUCHED"
  UNION ALL
  SELECT node_id, id_value FROM "IDENTITY_WORK"."HUBS_NAMED"
) n;
-- rows of events in those regions
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."SRC_EVENTS" AS
-- The stored rows that hold one of the identifiers, less those this run replaces, and the new
-- rows that hold one: filtering by identifier first keeps the costlier test to few rows.
SELECT ts, row_hash, n1, n2 FROM (
  SELECT * FROM "IDENTITY_STATE"."ROWS_EVENTS" s WHERE s.n1 IN (SELECT node_id FROM "IDENTITY_WORK"."RNODES") OR s.n2 IN (SELECT node_id FROM "IDENTITY_WORK"."RNODES")
) s
WHERE NOT ((ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) AND s.row_hash IN (SELECT row_hash FROM "IDENTITY_WORK"."GONE_EVENTS"))
UNION ALL
SELECT ts, row_hash, n1, n2 FROM "IDENTITY_WORK"."INS_EVENTS" s WHERE s.n1 IN (SELECT node_id FROM "IDENTITY_WORK"."RNODES") OR s.n2 IN (SELECT node_id FROM "IDENTITY_WORK"."RNODES");
-- rows of crm in those regions
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."SRC_CRM" AS
-- The stored rows that hold one of the identifiers, less those this run replaces, and the new
-- rows that hold one: filtering by identifier first keeps the costlier test to few rows.
SELECT ts, row_hash, n1, n2 FROM (
  SELECT * FROM "IDENTITY_STATE"."ROWS_CRM" s WHERE s.n1 IN (SELECT node_id FROM "IDENTITY_WORK"."RNODES") OR s.n2 IN (SELECT node_id FROM "IDENTITY_WORK"."RNODES")
) s
WHERE NOT ((ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) AND s.row_hash IN (SELECT row_hash FROM "IDENTITY_WORK"."GONE_CRM"))
UNION ALL
SELECT ts, row_hash, n1, n2 FROM "IDENTITY_WORK"."INS_CRM" s WHERE s.n1 IN (SELECT node_id FROM "IDENTITY_WORK"."RNODES") OR s.n2 IN (SELECT node_id FROM "IDENTITY_WORK"."RNODES");

-- ===== stage nodes: distinct (id_type, value) with a 64-bit node id
-- values from the published identifiers, the changed rows and the hubs
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."NODES" AS
SELECT i.node_id, i.id_type, nm.id_value, i.type_rank, i.first_seen_at, i.last_seen_at, i.row_count
FROM (
  SELECT node_id, id_type, type_rank, MIN(ts) AS first_seen_at, MAX(ts) AS last_seen_at, COUNT(*) AS row_count
  FROM (
    SELECT n1 AS node_id, 'user_id' AS id_type, 0 AS type_rank, ts
    FROM "IDENTITY_WORK"."SRC_EVENTS" WHERE n1 IS NOT NULL
    UNION ALL SELECT n2 AS node_id, 'device_id' AS id_type, 2 AS type_rank, ts
    FROM "IDENTITY_WORK"."SRC_EVENTS" WHERE n2 IS NOT NULL
    UNION ALL SELECT n1 AS node_id, 'user_id' AS id_type, 0 AS type_rank, ts
    FROM "IDENTITY_WORK"."SRC_CRM" WHERE n1 IS NOT NULL
    UNION ALL SELECT n2 AS node_id, 'email' AS id_type, 1 AS type_rank, ts
    FROM "IDENTITY_WORK"."SRC_CRM" WHERE n2 IS NOT NULL
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
-- source events without its hubs
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."KEPT_EVENTS" AS
SELECT ts,
  CASE WHEN n1 IN (SELECT node_id FROM "IDENTITY_WORK"."HUBS") THEN NULL ELSE n1 END AS n1,
  CASE WHEN n2 IN (SELECT node_id FROM "IDENTITY_WORK"."HUBS") THEN NULL ELSE n2 END AS n2
FROM "IDENTITY_WORK"."SRC_EVENTS";
-- source crm without its hubs
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."KEPT_CRM" AS
SELECT ts,
  CASE WHEN n1 IN (SELECT node_id FROM "IDENTITY_WORK"."HUBS") THEN NULL ELSE n1 END AS n1,
  CASE WHEN n2 IN (SELECT node_id FROM "IDENTITY_WORK"."HUBS") THEN NULL ELSE n2 END AS n2
FROM "IDENTITY_WORK"."SRC_CRM";

-- ===== stage edges: identifiers on one row are linked as a star from the row's first identifier
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."EDGES" AS
SELECT a, b, row_count, first_seen_at, last_seen_at, SUBSTR((('' || CASE WHEN s0 = 1 THEN ',crm' ELSE '' END) || CASE WHEN s1 = 1 THEN ',events' ELSE '' END), 2) AS sources
FROM (
  SELECT LEAST(a, b) AS a, GREATEST(a, b) AS b, CAST(COUNT(*) AS BIGINT) AS row_count,
    MIN(ts) AS first_seen_at, MAX(ts) AS last_seen_at, MAX(s0) AS s0, MAX(s1) AS s1
  FROM (
    SELECT COALESCE(n1, n2) AS a, n2 AS b, ts, 0 AS s0, 1 AS s1
    FROM "IDENTITY_WORK"."KEPT_EVENTS" WHERE n2 IS NOT NULL AND n2 <> COALESCE(n1, n2)
    UNION ALL SELECT COALESCE(n1, n2) AS a, n2 AS b, ts, 1 AS s0, 0 AS s1
    FROM "IDENTITY_WORK"."KEPT_CRM" WHERE n2 IS NOT NULL AND n2 <> COALESCE(n1, n2)
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
  MD5(('scopes' || '|' || id_type || '|' || id_value)) AS universal_id,
  CASE WHEN id_type IN ('device_id') THEN CASE SUBSTR(id_value, 1, LENGTH(id_value) - LENGTH(REGEXP_REPLACE(id_value, '^[a-z][[:digit:]_a-z]*\\|', '')) - 1) WHEN 'app1' THEN 'games' WHEN 'app2' THEN 'games' WHEN 'web' THEN 'shop' END ELSE SUBSTR(id_value, 1, LENGTH(id_value) - LENGTH(REGEXP_REPLACE(id_value, '^[a-z][[:digit:]_a-z]*\\|', '')) - 1) END AS pool
FROM (
  SELECT component, id_type, id_value,
    ROW_NUMBER() OVER (PARTITION BY component ORDER BY first_seen_at ASC NULLS LAST, type_rank, id_value) AS pos
  FROM "IDENTITY_WORK"."ASSIGN"
) a
WHERE pos = 1;
-- every identifier with its universal id
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."GRAPH" AS
SELECT a.universal_id, n.id_type, REGEXP_REPLACE(n.id_value, '^[a-z][[:digit:]_a-z]*\\|', '') AS id_value, n.first_seen_at, n.last_seen_at, n.row_count, n.node_id,
  CASE WHEN n.id_type IN ('device_id') THEN SUBSTR(n.id_value, 1, LENGTH(n.id_value) - LENGTH(REGEXP_REPLACE(n.id_value, '^[a-z][[:digit:]_a-z]*\\|', '')) - 1) END AS scope,
  a.pool
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
SELECT node_id, universal_id, pool FROM "IDENTITY"."ID_GRAPH" WHERE node_id IN (SELECT node_id FROM "IDENTITY_WORK"."REDO");
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
    AND (o.scope = g.scope OR (o.scope IS NULL AND g.scope IS NULL))
    AND (o.pool = g.pool OR (o.pool IS NULL AND g.pool IS NULL))
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
  p.old_id AS old_universal_id, p.new_id AS new_universal_id, p.moved AS identifiers, p.pool
FROM (
  SELECT old_id, new_id, COUNT(*) AS moved, MAX(pool) AS pool
  FROM (
    SELECT o.universal_id AS old_id, n.universal_id AS new_id, COALESCE(n.pool, o.pool) AS pool
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
    CAST(COALESCE(SUM(CASE WHEN id_type = 'device_id' THEN n END), 0) AS BIGINT) AS "DEVICE_ID_COUNT",
    MAX(CASE WHEN id_type = 'device_id' THEN latest END) AS "LATEST_DEVICE_ID"
  FROM per_type
  GROUP BY component
)
SELECT a.universal_id, a.pool, p.first_seen_at, p.last_seen_at, p.identifiers, p."USER_ID_COUNT", REGEXP_REPLACE(p."LATEST_USER_ID", '^[a-z][[:digit:]_a-z]*\\|', '') AS "LATEST_USER_ID", p."EMAIL_COUNT", REGEXP_REPLACE(p."LATEST_EMAIL", '^[a-z][[:digit:]_a-z]*\\|', '') AS "LATEST_EMAIL", p."DEVICE_ID_COUNT", REGEXP_REPLACE(p."LATEST_DEVICE_ID", '^[a-z][[:digit:]_a-z]*\\|', '') AS "LATEST_DEVICE_ID"
FROM per_profile p
JOIN "IDENTITY_WORK"."ANCHORS" a ON p.component = a.component;
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."EDGES_REGION" AS
SELECT ga.universal_id,
  ga.id_type AS id_type_a, ga.id_value AS id_value_a,
  gb.id_type AS id_type_b, gb.id_value AS id_value_b,
  e.row_count, e.first_seen_at, e.last_seen_at, e.sources,
  ga.scope AS scope_a, gb.scope AS scope_b, ga.pool
FROM "IDENTITY_WORK"."EDGES" e
JOIN "IDENTITY_WORK"."GRAPH" ga ON e.a = ga.node_id
JOIN "IDENTITY_WORK"."GRAPH" gb ON e.b = gb.node_id
-- one universal id per profile: its anchor's, which no other profile has
WHERE ga.universal_id = gb.universal_id;
-- what was kept out of the graph, and why
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY"."ID_QUARANTINE__NEXT" AS
SELECT id_type, REGEXP_REPLACE(id_value, '^[a-z][[:digit:]_a-z]*\\|', '') AS id_value, reason, evidence, CAST(0 AS BIGINT) AS run_id,
  CASE WHEN id_type IN ('device_id') THEN SUBSTR(id_value, 1, LENGTH(id_value) - LENGTH(REGEXP_REPLACE(id_value, '^[a-z][[:digit:]_a-z]*\\|', '')) - 1) END AS scope,
  CASE WHEN id_type IN ('device_id') THEN CASE SUBSTR(id_value, 1, LENGTH(id_value) - LENGTH(REGEXP_REPLACE(id_value, '^[a-z][[:digit:]_a-z]*\\|', '')) - 1) WHEN 'app1' THEN 'games' WHEN 'app2' THEN 'games' WHEN 'web' THEN 'shop' END ELSE SUBSTR(id_value, 1, LENGTH(id_value) - LENGTH(REGEXP_REPLACE(id_value, '^[a-z][[:digit:]_a-z]*\\|', '')) - 1) END AS pool
FROM (
  SELECT id_type, id_value, reason, evidence FROM "IDENTITY_WORK"."QVALUES_NEW"
  UNION ALL SELECT q.id_type, q.id_value, q.reason, q.evidence
FROM (
  SELECT id_type, (COALESCE(scope, pool) || '|' || id_value) AS id_value, reason, evidence
  FROM "IDENTITY"."ID_QUARANTINE"
) q
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
  o.id_type_b AS s_id_type_b, o.id_value_b AS s_id_value_b, o.scope_a AS s_scope_a, o.scope_b AS s_scope_b,
  n.*
FROM (SELECT * FROM "IDENTITY"."ID_EDGES" WHERE universal_id IN (SELECT universal_id FROM "IDENTITY_WORK"."REDO_IDS")) o
FULL OUTER JOIN "IDENTITY_WORK"."EDGES_REGION" n
  ON n.universal_id = o.universal_id AND n.id_type_a = o.id_type_a AND n.id_value_a = o.id_value_a
  AND n.id_type_b = o.id_type_b AND n.id_value_b = o.id_value_b
  AND COALESCE(n.scope_a, '') = COALESCE(o.scope_a, '') AND COALESCE(n.scope_b, '') = COALESCE(o.scope_b, '')
WHERE o.universal_id IS NULL OR n.universal_id IS NULL OR NOT COALESCE(n.row_count = o.row_count AND n.sources = o.sources
  AND (COALESCE(n.first_seen_at = o.first_seen_at, FALSE) OR (n.first_seen_at IS NULL AND o.first_seen_at IS NULL))
  AND (COALESCE(n.last_seen_at = o.last_seen_at, FALSE) OR (n.last_seen_at IS NULL AND o.last_seen_at IS NULL))
  AND (COALESCE(n.pool = o.pool, FALSE) OR (n.pool IS NULL AND o.pool IS NULL)), FALSE);

-- ===== stage publish: replace the recomputed regions' rows and update the state, all together
BEGIN;
DELETE FROM "IDENTITY"."ID_GRAPH" WHERE node_id IN (SELECT node_id FROM "IDENTITY_WORK"."GRAPH_WRITE");
INSERT INTO "IDENTITY"."ID_GRAPH" SELECT * FROM (SELECT universal_id, id_type, id_value, first_seen_at, last_seen_at, row_count, node_id, scope, pool
FROM "IDENTITY_WORK"."GRAPH") q WHERE q.node_id IN (SELECT node_id FROM "IDENTITY_WORK"."GRAPH_WRITE");
DELETE FROM "IDENTITY"."PROFILES" WHERE universal_id IN (SELECT universal_id FROM "IDENTITY_WORK"."REDO_IDS");
INSERT INTO "IDENTITY"."PROFILES" SELECT * FROM "IDENTITY_WORK"."PROFILES_REGION";
DELETE FROM "IDENTITY"."ID_EDGES" USING (
  SELECT s_universal_id, s_id_type_a, s_id_value_a, s_id_type_b, s_id_value_b, s_scope_a, s_scope_b
  FROM "IDENTITY_WORK"."EDGES_DIFF" WHERE s_universal_id IS NOT NULL
) s
WHERE universal_id = s.s_universal_id AND id_type_a = s.s_id_type_a AND id_value_a = s.s_id_value_a
  AND id_type_b = s.s_id_type_b AND id_value_b = s.s_id_value_b
  AND COALESCE(scope_a, '') = COALESCE(s.s_scope_a, '')
  AND COALESCE(scope_b, '') = COALESCE(s.s_scope_b, '');
INSERT INTO "IDENTITY"."ID_EDGES"
SELECT universal_id, id_type_a, id_value_a, id_type_b, id_value_b, row_count, first_seen_at, last_seen_at, sources, scope_a, scope_b, pool
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
-- the rows of events
DELETE FROM "IDENTITY_STATE"."ROWS_EVENTS" WHERE (ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) AND row_hash IN (SELECT row_hash FROM "IDENTITY_WORK"."GONE_EVENTS");
INSERT INTO "IDENTITY_STATE"."ROWS_EVENTS" SELECT * FROM "IDENTITY_WORK"."INS_EVENTS";
-- the rows of crm
DELETE FROM "IDENTITY_STATE"."ROWS_CRM" WHERE (ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) AND row_hash IN (SELECT row_hash FROM "IDENTITY_WORK"."GONE_CRM");
INSERT INTO "IDENTITY_STATE"."ROWS_CRM" SELECT * FROM "IDENTITY_WORK"."INS_CRM";
DELETE FROM "IDENTITY_STATE"."HUBS" WHERE 1 = 1;
INSERT INTO "IDENTITY_STATE"."HUBS" SELECT node_id, degree, id_type, id_value FROM "IDENTITY_WORK"."HUBS_NAMED";
DELETE FROM "IDENTITY_STATE"."QVALUES" WHERE 1 = 1;
INSERT INTO "IDENTITY_STATE"."QVALUES" SELECT id_type, id_value, reason, evidence FROM "IDENTITY_WORK"."QVALUES_NEW";
DELETE FROM "IDENTITY_STATE"."REGIONS" WHERE node_id IN (SELECT node_id FROM "IDENTITY_WORK"."REGIONS_WRITE");
INSERT INTO "IDENTITY_STATE"."REGIONS" SELECT * FROM (SELECT node_id, region, id_type FROM "IDENTITY_WORK"."REGIONS_NEW") q WHERE q.node_id IN (SELECT node_id FROM "IDENTITY_WORK"."REGIONS_WRITE");
DELETE FROM "IDENTITY_STATE"."META" WHERE 1 = 1;
INSERT INTO "IDENTITY_STATE"."META" (section, fingerprint) VALUES ('layout', '5'), ('audiences', '74234e98afe7498f'), ('checks', '4bb1fc6304e2e852'), ('degrees', '42c0ce0b0f403f54'), ('id_salt', 'a1797ec5ecfd6437'), ('id_types', 'd143aeeefd895b1c'), ('limits', '{"user_id":1}'), ('policy', '439083f38956ba51'), ('sources', '8846a5a3a69fe880'), ('traits', '74234e98afe7498f');
INSERT INTO "IDENTITY"."ID_CHANGES" (run_id, changed_at, kind, old_universal_id, new_universal_id, identifiers, pool) SELECT 0, CAST(SYSDATE() AS TIMESTAMP), kind, old_universal_id, new_universal_id, identifiers, pool FROM "IDENTITY_WORK"."CHANGES";
COMMIT;
