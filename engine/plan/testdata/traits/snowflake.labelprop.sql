-- idstitch plan: project traits, warehouse snowflake, components by labelprop
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
-- source events (raw.events), kept as the rows read so far
CREATE OR REPLACE TABLE "IDENTITY_STATE"."ROWS_EVENTS__NEXT" AS
SELECT e.*, HASH(COALESCE(CAST(ts AS VARCHAR), '∅'), COALESCE(CAST(t1 AS VARCHAR), '∅'), COALESCE(CAST(f1 AS VARCHAR), '∅'), COALESCE(CAST(t2 AS VARCHAR), '∅'), COALESCE(CAST(f2 AS VARCHAR), '∅'), COALESCE(CAST(t3 AS VARCHAR), '∅'), COALESCE(CAST(f3 AS VARCHAR), '∅'), COALESCE(CAST(v1 AS VARCHAR), '∅'), COALESCE(CAST(q1 AS VARCHAR), '∅')) AS row_hash
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
  CASE WHEN v1 IS NULL OR q1 IS NOT NULL THEN NULL ELSE HASH('user_id', v1) END AS n1
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
    CAST(NULL AS VARCHAR) AS q1
  FROM (
    SELECT
      ts,
      t1,
      f1,
      t2,
      f2,
      t3,
      f3,
      NULLIF(r1, '') AS v1
    FROM (
      SELECT
        CAST("TS" AS TIMESTAMP) AS ts,
        "EVENT_TYPE" AS t1,
        1 AS f1,
        "EVENT_TYPE" AS t2,
        1 AS f2,
        CAST(NULL AS BIGINT) AS t3,
        CASE WHEN (event_type = 'cart_abandoned') AND CAST("TS" AS TIMESTAMP) >= DATEADD(day, -90, SYSDATE()) THEN 1 ELSE 0 END AS f3,
        NULLIF(CAST("USER_ID" AS VARCHAR), '') AS r1
      FROM "RAW"."EVENTS"
    ) r
  ) v
) s
) e;
-- source orders (raw.orders), kept as the rows read so far
CREATE OR REPLACE TABLE "IDENTITY_STATE"."ROWS_ORDERS__NEXT" AS
SELECT e.*, HASH(COALESCE(CAST(ts AS VARCHAR), '∅'), COALESCE(CAST(t1 AS VARCHAR), '∅'), COALESCE(CAST(f1 AS VARCHAR), '∅'), COALESCE(CAST(t2 AS VARCHAR), '∅'), COALESCE(CAST(f2 AS VARCHAR), '∅'), COALESCE(CAST(t3 AS VARCHAR), '∅'), COALESCE(CAST(f3 AS VARCHAR), '∅'), COALESCE(CAST(t4 AS VARCHAR), '∅'), COALESCE(CAST(f4 AS VARCHAR), '∅'), COALESCE(CAST(v1 AS VARCHAR), '∅'), COALESCE(CAST(q1 AS VARCHAR), '∅'), COALESCE(CAST(v2 AS VARCHAR), '∅'), COALESCE(CAST(q2 AS VARCHAR), '∅')) AS row_hash
FROM (
SELECT
  ts,
  t1,
  f1,
  t2,
  f2,
  t3,
  f3,
  t4,
  f4,
  v1,
  q1,
  CASE WHEN v1 IS NULL OR q1 IS NOT NULL THEN NULL ELSE HASH('user_id', v1) END AS n1,
  v2,
  q2,
  CASE WHEN v2 IS NULL OR q2 IS NOT NULL THEN NULL ELSE HASH('email', v2) END AS n2
FROM (
  SELECT
    ts,
    t1,
    f1,
    t2,
    f2,
    t3,
    f3,
    t4,
    f4,
    v1,
    CAST(NULL AS VARCHAR) AS q1,
    v2,
    CAST(NULL AS VARCHAR) AS q2
  FROM (
    SELECT
      ts,
      t1,
      f1,
      t2,
      f2,
      t3,
      f3,
      t4,
      f4,
      NULLIF(r1, '') AS v1,
      NULLIF(r2, '') AS v2
    FROM (
      SELECT
        CAST("TS" AS TIMESTAMP) AS ts,
        "REVENUE" AS t1,
        1 AS f1,
        CAST(NULL AS BIGINT) AS t2,
        1 AS f2,
        "REVENUE" AS t3,
        1 AS f3,
        "REVENUE" AS t4,
        1 AS f4,
        NULLIF(CAST("USER_ID" AS VARCHAR), '') AS r1,
        NULLIF(CAST("EMAIL" AS VARCHAR), '') AS r2
      FROM "RAW"."ORDERS"
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
  UNION ALL SELECT n1 AS node_id, 'user_id' AS id_type, v1 AS id_value, 0 AS type_rank, ts
  FROM "IDENTITY_STATE"."ROWS_ORDERS__NEXT" WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 AS node_id, 'email' AS id_type, v2 AS id_value, 1 AS type_rank, ts
  FROM "IDENTITY_STATE"."ROWS_ORDERS__NEXT" WHERE n2 IS NOT NULL
) i
GROUP BY node_id, id_type, id_value, type_rank;
-- two distinct identifiers must never share a node id
-- check: this count must be 0, else: two different identifiers hashed to the same 64-bit node id; the run stopped so that they are not merged (report this as a bug with the warehouse type)
SELECT COUNT(*) FROM (
  SELECT node_id FROM "IDENTITY_WORK"."NODES" GROUP BY node_id HAVING COUNT(*) > 1
) c;

-- ===== stage edges: identifiers on one row are linked as a star from the row's first identifier
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."EDGES" AS
SELECT a, b, CAST(SUM(n) AS BIGINT) AS row_count, MIN(first_seen_at) AS first_seen_at, MAX(last_seen_at) AS last_seen_at,
  LISTAGG(source, ',') WITHIN GROUP (ORDER BY source) AS sources
FROM (
  SELECT LEAST(a, b) AS a, GREATEST(a, b) AS b, source, COUNT(*) AS n, MIN(ts) AS first_seen_at, MAX(ts) AS last_seen_at
  FROM (
    SELECT COALESCE(n1, n2) AS a, n2 AS b, ts, 'orders' AS source
    FROM "IDENTITY_STATE"."ROWS_ORDERS__NEXT" WHERE n2 IS NOT NULL AND n2 <> COALESCE(n1, n2)
  ) e
  GROUP BY LEAST(a, b), GREATEST(a, b), source
) per_source
GROUP BY a, b;

-- ===== stage components: connected components by label propagation (benchmark baseline)
-- the graph's edges
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."CC_LP_EDGES" AS
SELECT e.a, e.b FROM "IDENTITY_WORK"."EDGES" e;
-- every node starts with its own label
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."CC_LP_0" AS
SELECT v, v AS label FROM (
  SELECT a AS v FROM "IDENTITY_WORK"."CC_LP_EDGES"
  UNION SELECT b AS v FROM "IDENTITY_WORK"."CC_LP_EDGES"
) n;

-- rounds 1 to 3; the runner stops when the count below reaches 0 (labels changed)
-- round 1
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."CC_LP_1" AS
SELECT v, MIN(label) AS label
FROM (
  SELECT v, label FROM "IDENTITY_WORK"."CC_LP_0"
  UNION ALL SELECT e.a AS v, l.label FROM "IDENTITY_WORK"."CC_LP_EDGES" e JOIN "IDENTITY_WORK"."CC_LP_0" l ON e.b = l.v
  UNION ALL SELECT e.b AS v, l.label FROM "IDENTITY_WORK"."CC_LP_EDGES" e JOIN "IDENTITY_WORK"."CC_LP_0" l ON e.a = l.v
) c
GROUP BY v;
-- round 2
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."CC_LP_2" AS
SELECT v, MIN(label) AS label
FROM (
  SELECT v, label FROM "IDENTITY_WORK"."CC_LP_1"
  UNION ALL SELECT e.a AS v, l.label FROM "IDENTITY_WORK"."CC_LP_EDGES" e JOIN "IDENTITY_WORK"."CC_LP_1" l ON e.b = l.v
  UNION ALL SELECT e.b AS v, l.label FROM "IDENTITY_WORK"."CC_LP_EDGES" e JOIN "IDENTITY_WORK"."CC_LP_1" l ON e.a = l.v
) c
GROUP BY v;
DROP TABLE IF EXISTS "IDENTITY_WORK"."CC_LP_0";
-- round 3
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."CC_LP_3" AS
SELECT v, MIN(label) AS label
FROM (
  SELECT v, label FROM "IDENTITY_WORK"."CC_LP_2"
  UNION ALL SELECT e.a AS v, l.label FROM "IDENTITY_WORK"."CC_LP_EDGES" e JOIN "IDENTITY_WORK"."CC_LP_2" l ON e.b = l.v
  UNION ALL SELECT e.b AS v, l.label FROM "IDENTITY_WORK"."CC_LP_EDGES" e JOIN "IDENTITY_WORK"."CC_LP_2" l ON e.a = l.v
) c
GROUP BY v;
DROP TABLE IF EXISTS "IDENTITY_WORK"."CC_LP_1";
-- 3 rounds must have been enough
-- check: this count must be 0, else: the loop did not finish in the unrolled rounds; compile with more --rounds
SELECT COUNT(*) FROM "IDENTITY_WORK"."CC_LP_3" c JOIN "IDENTITY_WORK"."CC_LP_2" p ON c.v = p.v WHERE c.label <> p.label;
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."LABELS" AS
SELECT v AS node_id, label AS component FROM "IDENTITY_WORK"."CC_LP_3";
DROP TABLE IF EXISTS "IDENTITY_WORK"."CC_LP_EDGES";
DROP TABLE IF EXISTS "IDENTITY_WORK"."CC_LP_2";
DROP TABLE IF EXISTS "IDENTITY_WORK"."CC_LP_3";

-- ===== stage ids: one universal id per profile, from its anchor identifier
-- every identifier in the graph with its profile
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."ASSIGN" AS
SELECT n.node_id, n.id_type, n.id_value, n.type_rank, n.first_seen_at, n.last_seen_at, n.row_count,
  COALESCE(l.component, n.node_id) AS component
FROM "IDENTITY_WORK"."NODES" n
LEFT JOIN "IDENTITY_WORK"."LABELS" l ON n.node_id = l.node_id;
-- anchor: earliest first_seen, then type priority, then value
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."ANCHORS" AS
SELECT component, id_type AS anchor_type, id_value AS anchor_value,
  MD5(('traits' || '|' || id_type || '|' || id_value)) AS universal_id
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
LEFT JOIN "IDENTITY_WORK"."LABELS" l ON n.node_id = l.node_id;

-- ===== stage traits: profile columns computed from the sources' rows
-- rows of events with their profile
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."TRAIT_ROWS_EVENTS" AS
SELECT COALESCE(g1.universal_id, CAST(NULL AS VARCHAR)) AS universal_id, s.ts, s.t1, s.f1, s.t2, s.f2, s.t3, s.f3
FROM "IDENTITY_STATE"."ROWS_EVENTS__NEXT" s
LEFT JOIN "IDENTITY_WORK"."GRAPH" g1 ON s.n1 = g1.node_id;
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."TRAITS_EVENTS" AS
SELECT universal_id,
  MIN_BY(t1, IFF(f1 = 1, ts, NULL)) AS "FIRST_EVENT",
  COUNT(DISTINCT CASE WHEN f2 = 1 THEN t2 END) AS "EVENT_KINDS",
  COUNT(CASE WHEN f3 = 1 THEN 1 END) AS "CART_ABANDONS_90D"
FROM "IDENTITY_WORK"."TRAIT_ROWS_EVENTS"
WHERE universal_id IS NOT NULL
GROUP BY universal_id;
-- rows of orders with their profile
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."TRAIT_ROWS_ORDERS" AS
SELECT COALESCE(g1.universal_id, g2.universal_id, CAST(NULL AS VARCHAR)) AS universal_id, s.ts, s.t1, s.f1, s.t2, s.f2, s.t3, s.f3, s.t4, s.f4
FROM "IDENTITY_STATE"."ROWS_ORDERS__NEXT" s
LEFT JOIN "IDENTITY_WORK"."GRAPH" g1 ON s.n1 = g1.node_id
LEFT JOIN "IDENTITY_WORK"."GRAPH" g2 ON s.n2 = g2.node_id;
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."TRAITS_ORDERS" AS
SELECT universal_id,
  SUM(CASE WHEN f1 = 1 THEN t1 END) AS "LIFETIME_REVENUE",
  COUNT(CASE WHEN f2 = 1 THEN 1 END) AS "ORDERS",
  AVG(CASE WHEN f3 = 1 THEN t3 END) AS "AVERAGE_ORDER",
  MAX_BY(t4, IFF(f4 = 1, ts, NULL)) AS "LAST_ORDER_REVENUE"
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
    MAX(CASE WHEN id_type = 'email' THEN latest END) AS "LATEST_EMAIL"
  FROM per_type
  GROUP BY component
)
SELECT a.universal_id, p.first_seen_at, p.last_seen_at, p.identifiers, p."USER_ID_COUNT", p."LATEST_USER_ID", p."EMAIL_COUNT", p."LATEST_EMAIL"
FROM per_profile p
JOIN "IDENTITY_WORK"."ANCHORS" a ON p.component = a.component;
-- profiles with their traits and audience flags
CREATE OR REPLACE TABLE "IDENTITY"."PROFILES__NEXT" AS
SELECT p.*,
  CASE WHEN (lifetime_revenue > 500 and orders >= 5) THEN TRUE ELSE FALSE END AS "LOYAL_CUSTOMERS",
  CASE WHEN (cart_abandons_90d >= 3) THEN TRUE ELSE FALSE END AS "FREQUENT_CART_ABANDONERS"
FROM (
  SELECT b.*,
    t1."FIRST_EVENT" AS "FIRST_EVENT",
    COALESCE(t1."EVENT_KINDS", 0) AS "EVENT_KINDS",
    COALESCE(t1."CART_ABANDONS_90D", 0) AS "CART_ABANDONS_90D",
    t2."LIFETIME_REVENUE" AS "LIFETIME_REVENUE",
    COALESCE(t2."ORDERS", 0) AS "ORDERS",
    t2."AVERAGE_ORDER" AS "AVERAGE_ORDER",
    t2."LAST_ORDER_REVENUE" AS "LAST_ORDER_REVENUE"
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
  SELECT CAST(NULL AS VARCHAR) AS id_type, CAST(NULL AS VARCHAR) AS id_value, CAST(NULL AS VARCHAR) AS reason, CAST(NULL AS BIGINT) AS evidence
  WHERE 1 = 0
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
SELECT CAST(NULL AS BIGINT) AS node_id, CAST(NULL AS BIGINT) AS degree, CAST(NULL AS VARCHAR) AS id_type, CAST(NULL AS VARCHAR) AS id_value WHERE 1 = 0;
CREATE OR REPLACE TABLE "IDENTITY_STATE"."QVALUES__NEXT" AS
SELECT CAST(NULL AS VARCHAR) AS id_type, CAST(NULL AS VARCHAR) AS id_value, CAST(NULL AS VARCHAR) AS reason, CAST(NULL AS BIGINT) AS evidence WHERE 1 = 0;

-- ===== stage publish: swap the new tables in, each atomically (this warehouse has no transactions over DDL)
DROP VIEW IF EXISTS "IDENTITY"."EVENTS_STITCHED";
DROP VIEW IF EXISTS "IDENTITY"."ORDERS_STITCHED";
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
SELECT s.*, COALESCE(g1.universal_id, CAST(NULL AS VARCHAR)) AS universal_id
FROM "RAW"."EVENTS" s
LEFT JOIN "IDENTITY"."ID_GRAPH" g1 ON g1.id_type = 'user_id' AND g1.id_value = NULLIF(NULLIF(CAST(s."USER_ID" AS VARCHAR), ''), '');
-- source orders with the universal id of each row
CREATE OR REPLACE VIEW "IDENTITY"."ORDERS_STITCHED" AS
SELECT s.*, COALESCE(g1.universal_id, g2.universal_id, CAST(NULL AS VARCHAR)) AS universal_id
FROM "RAW"."ORDERS" s
LEFT JOIN "IDENTITY"."ID_GRAPH" g1 ON g1.id_type = 'user_id' AND g1.id_value = NULLIF(NULLIF(CAST(s."USER_ID" AS VARCHAR), ''), '')
LEFT JOIN "IDENTITY"."ID_GRAPH" g2 ON g2.id_type = 'email' AND g2.id_value = NULLIF(NULLIF(CAST(s."EMAIL" AS VARCHAR), ''), '');
CREATE TABLE IF NOT EXISTS "IDENTITY_STATE"."ROWS_EVENTS" LIKE "IDENTITY_STATE"."ROWS_EVENTS__NEXT";
ALTER TABLE "IDENTITY_STATE"."ROWS_EVENTS" SWAP WITH "IDENTITY_STATE"."ROWS_EVENTS__NEXT";
DROP TABLE IF EXISTS "IDENTITY_STATE"."ROWS_EVENTS__NEXT";
CREATE TABLE IF NOT EXISTS "IDENTITY_STATE"."ROWS_ORDERS" LIKE "IDENTITY_STATE"."ROWS_ORDERS__NEXT";
ALTER TABLE "IDENTITY_STATE"."ROWS_ORDERS" SWAP WITH "IDENTITY_STATE"."ROWS_ORDERS__NEXT";
DROP TABLE IF EXISTS "IDENTITY_STATE"."ROWS_ORDERS__NEXT";
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
INSERT INTO "IDENTITY_STATE"."META" (section, fingerprint) VALUES ('audiences', 'd31b68facd1b2b80'), ('checks', 'a157d8ad65b576fe'), ('degrees', '84e3e2cc7fec8133'), ('format', '2bf175f9655e7bb7'), ('id_salt', 'd88e6c3b56e02dfc'), ('id_types', '90225098f1f13b77'), ('limits', '{}'), ('policy', '439083f38956ba51'), ('sources', 'e01a6734b4e5c2a8'), ('traits', '5886c64e5477e721');
INSERT INTO "IDENTITY"."ID_CHANGES" (run_id, changed_at, kind, old_universal_id, new_universal_id, identifiers) SELECT 0, CAST(SYSDATE() AS TIMESTAMP), kind, old_universal_id, new_universal_id, identifiers FROM "IDENTITY_WORK"."CHANGES";
