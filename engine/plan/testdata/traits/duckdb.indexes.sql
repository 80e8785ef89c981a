-- idstitch plan: project traits, warehouse duckdb, components by contraction
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

-- ===== stage extract: per source: each row's identifiers, normalized and checked, with their node ids
-- source events (raw.events), kept as the rows read so far
CREATE OR REPLACE TABLE "identity_state"."rows_events__next" AS
SELECT e.*, CAST(CAST(hash(ts, t1, f1, t2, f2, t3, f3, v1, q1) AS HUGEINT) - 9223372036854775808 AS BIGINT) AS row_hash
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
  CASE WHEN v1 IS NULL OR q1 IS NOT NULL THEN NULL ELSE CAST(CAST(hash('user_id', v1) AS HUGEINT) - 9223372036854775808 AS BIGINT) END AS n1
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
        CAST("ts" AS TIMESTAMP) AS ts,
        "event_type" AS t1,
        1 AS f1,
        "event_type" AS t2,
        1 AS f2,
        CAST(NULL AS BIGINT) AS t3,
        CASE WHEN (event_type = 'cart_abandoned') AND CAST("ts" AS TIMESTAMP) >= (CAST(current_timestamp AS TIMESTAMP) - INTERVAL '90 days') THEN 1 ELSE 0 END AS f3,
        NULLIF(CAST("user_id" AS VARCHAR), '') AS r1
      FROM "raw"."events"
    ) r
  ) v
) s
) e;
-- source orders (raw.orders), kept as the rows read so far
CREATE OR REPLACE TABLE "identity_state"."rows_orders__next" AS
SELECT e.*, CAST(CAST(hash(ts, t1, f1, t2, f2, t3, f3, t4, f4, v1, q1, v2, q2) AS HUGEINT) - 9223372036854775808 AS BIGINT) AS row_hash
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
  CASE WHEN v1 IS NULL OR q1 IS NOT NULL THEN NULL ELSE CAST(CAST(hash('user_id', v1) AS HUGEINT) - 9223372036854775808 AS BIGINT) END AS n1,
  v2,
  q2,
  CASE WHEN v2 IS NULL OR q2 IS NOT NULL THEN NULL ELSE CAST(CAST(hash('email', v2) AS HUGEINT) - 9223372036854775808 AS BIGINT) END AS n2
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
        CAST("ts" AS TIMESTAMP) AS ts,
        "revenue" AS t1,
        1 AS f1,
        CAST(NULL AS BIGINT) AS t2,
        1 AS f2,
        "revenue" AS t3,
        1 AS f3,
        "revenue" AS t4,
        1 AS f4,
        NULLIF(CAST("user_id" AS VARCHAR), '') AS r1,
        NULLIF(CAST("email" AS VARCHAR), '') AS r2
      FROM "raw"."orders"
    ) r
  ) v
) s
) e;

-- ===== stage nodes: distinct (id_type, value) with a 64-bit node id
CREATE OR REPLACE TABLE "identity_work".main."nodes" AS
SELECT node_id, id_type, id_value, type_rank,
  MIN(ts) AS first_seen_at, MAX(ts) AS last_seen_at, COUNT(*) AS row_count
FROM (
  SELECT n1 AS node_id, 'user_id' AS id_type, v1 AS id_value, 0 AS type_rank, ts
  FROM "identity_state"."rows_events__next" WHERE n1 IS NOT NULL
  UNION ALL SELECT n1 AS node_id, 'user_id' AS id_type, v1 AS id_value, 0 AS type_rank, ts
  FROM "identity_state"."rows_orders__next" WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 AS node_id, 'email' AS id_type, v2 AS id_value, 1 AS type_rank, ts
  FROM "identity_state"."rows_orders__next" WHERE n2 IS NOT NULL
) i
GROUP BY node_id, id_type, id_value, type_rank;
-- two distinct identifiers must never share a node id
-- check: this count must be 0, else: two different identifiers hashed to the same 64-bit node id; the run stopped so that they are not merged (report this as a bug with the warehouse type)
SELECT COUNT(*) FROM (
  SELECT node_id FROM "identity_work".main."nodes" GROUP BY node_id HAVING COUNT(*) > 1
) c;

-- ===== stage edges: identifiers on one row are linked as a star from the row's first identifier
CREATE OR REPLACE TABLE "identity_work".main."edges" AS
SELECT a, b, CAST(SUM(n) AS BIGINT) AS row_count, MIN(first_seen_at) AS first_seen_at, MAX(last_seen_at) AS last_seen_at,
  array_to_string(list_sort(list(source)), ',') AS sources
FROM (
  SELECT LEAST(a, b) AS a, GREATEST(a, b) AS b, source, COUNT(*) AS n, MIN(ts) AS first_seen_at, MAX(ts) AS last_seen_at
  FROM (
    SELECT COALESCE(n1, n2) AS a, n2 AS b, ts, 'orders' AS source
    FROM "identity_state"."rows_orders__next" WHERE n2 IS NOT NULL AND n2 <> COALESCE(n1, n2)
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

-- ===== stage ids: one universal id per profile, from its anchor identifier
-- every identifier in the graph with its profile
CREATE OR REPLACE TABLE "identity_work".main."assign" AS
SELECT n.node_id, n.id_type, n.id_value, n.type_rank, n.first_seen_at, n.last_seen_at, n.row_count,
  COALESCE(l.component, n.node_id) AS component
FROM "identity_work".main."nodes" n
LEFT JOIN "identity_work".main."labels" l ON n.node_id = l.node_id;
-- anchor: earliest first_seen, then type priority, then value
CREATE OR REPLACE TABLE "identity_work".main."anchors" AS
SELECT component, anchor.id_type AS anchor_type, anchor.id_value AS anchor_value,
  md5(('traits' || '|' || anchor.id_type || '|' || anchor.id_value)) AS universal_id
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
CREATE OR REPLACE TABLE "identity_state"."regions__next" AS
SELECT n.node_id, COALESCE(l.component, n.node_id) AS region, n.id_type
FROM "identity_work".main."nodes" n
LEFT JOIN "identity_work".main."labels" l ON n.node_id = l.node_id;

-- ===== stage traits: profile columns computed from the sources' rows
-- rows of events with their profile
CREATE OR REPLACE TABLE "identity_work".main."trait_rows_events" AS
SELECT COALESCE(g1.universal_id, CAST(NULL AS VARCHAR)) AS universal_id, s.ts, s.t1, s.f1, s.t2, s.f2, s.t3, s.f3
FROM "identity_state"."rows_events__next" s
LEFT JOIN "identity_work".main."graph" g1 ON s.n1 = g1.node_id;
CREATE OR REPLACE TABLE "identity_work".main."traits_events" AS
SELECT universal_id,
  arg_min(t1, ts) FILTER (WHERE f1 = 1) AS "first_event",
  COUNT(DISTINCT CASE WHEN f2 = 1 THEN t2 END) AS "event_kinds",
  COUNT(CASE WHEN f3 = 1 THEN 1 END) AS "cart_abandons_90d"
FROM "identity_work".main."trait_rows_events"
WHERE universal_id IS NOT NULL
GROUP BY universal_id;
-- rows of orders with their profile
CREATE OR REPLACE TABLE "identity_work".main."trait_rows_orders" AS
SELECT COALESCE(g1.universal_id, g2.universal_id, CAST(NULL AS VARCHAR)) AS universal_id, s.ts, s.t1, s.f1, s.t2, s.f2, s.t3, s.f3, s.t4, s.f4
FROM "identity_state"."rows_orders__next" s
LEFT JOIN "identity_work".main."graph" g1 ON s.n1 = g1.node_id
LEFT JOIN "identity_work".main."graph" g2 ON s.n2 = g2.node_id;
CREATE OR REPLACE TABLE "identity_work".main."traits_orders" AS
SELECT universal_id,
  SUM(CASE WHEN f1 = 1 THEN t1 END) AS "lifetime_revenue",
  COUNT(CASE WHEN f2 = 1 THEN 1 END) AS "orders",
  AVG(CASE WHEN f3 = 1 THEN t3 END) AS "average_order",
  arg_max(t4, ts) FILTER (WHERE f4 = 1) AS "last_order_revenue"
FROM "identity_work".main."trait_rows_orders"
WHERE universal_id IS NOT NULL
GROUP BY universal_id;

-- ===== stage outputs: output tables, built beside the published ones
CREATE OR REPLACE TABLE "identity"."id_graph__next" AS
SELECT universal_id, id_type, id_value, first_seen_at, last_seen_at, row_count, node_id
FROM "identity_work".main."graph";
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
    FROM "identity"."id_graph" o
    FULL OUTER JOIN "identity_work".main."graph" n ON o.node_id = n.node_id
  ) m
  WHERE old_id IS NULL OR new_id IS NULL OR old_id <> new_id
  GROUP BY old_id, new_id
) p
-- identifiers seen for the first time that join a profile which already existed change no id
WHERE NOT (p.old_id IS NULL AND p.new_id IN (SELECT universal_id FROM "identity"."id_graph"));
CREATE OR REPLACE TABLE "identity_work".main."profiles_base" AS
SELECT a.universal_id, p.first_seen_at, p.last_seen_at, p.identifiers, p."user_id_count", p."latest_user_id", p."email_count", p."latest_email"
FROM (
  SELECT component,
    MIN(first_seen_at) AS first_seen_at,
    MAX(last_seen_at) AS last_seen_at,
    COUNT(*) AS identifiers,
    COUNT(*) FILTER (WHERE id_type = 'user_id') AS "user_id_count",
    arg_max(id_value, (COALESCE(last_seen_at, TIMESTAMP '0001-01-01'), id_value)) FILTER (WHERE id_type = 'user_id') AS "latest_user_id",
    COUNT(*) FILTER (WHERE id_type = 'email') AS "email_count",
    arg_max(id_value, (COALESCE(last_seen_at, TIMESTAMP '0001-01-01'), id_value)) FILTER (WHERE id_type = 'email') AS "latest_email"
  FROM "identity_work".main."assign"
  GROUP BY component
) p
JOIN "identity_work".main."anchors" a ON p.component = a.component;
-- profiles with their traits and audience flags
CREATE OR REPLACE TABLE "identity"."profiles__next" AS
SELECT p.*,
  CASE WHEN (lifetime_revenue > 500 and orders >= 5) THEN TRUE ELSE FALSE END AS "loyal_customers",
  CASE WHEN (cart_abandons_90d >= 3) THEN TRUE ELSE FALSE END AS "frequent_cart_abandoners"
FROM (
  SELECT b.*,
    t1."first_event" AS "first_event",
    COALESCE(t1."event_kinds", 0) AS "event_kinds",
    COALESCE(t1."cart_abandons_90d", 0) AS "cart_abandons_90d",
    t2."lifetime_revenue" AS "lifetime_revenue",
    COALESCE(t2."orders", 0) AS "orders",
    t2."average_order" AS "average_order",
    t2."last_order_revenue" AS "last_order_revenue"
  FROM "identity_work".main."profiles_base" b
  LEFT JOIN "identity_work".main."traits_events" t1 ON b.universal_id = t1.universal_id
  LEFT JOIN "identity_work".main."traits_orders" t2 ON b.universal_id = t2.universal_id
) p;
CREATE OR REPLACE TABLE "identity"."id_edges__next" AS
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
  SELECT CAST(NULL AS VARCHAR) AS id_type, CAST(NULL AS VARCHAR) AS id_value, CAST(NULL AS VARCHAR) AS reason, CAST(NULL AS BIGINT) AS evidence
  WHERE 1 = 0
) q;
-- audience members; those already in keep the time they entered
CREATE OR REPLACE TABLE "identity"."audience_members__next" AS
SELECT m.audience, m.universal_id, COALESCE(prev.entered_at, CAST(current_timestamp AS TIMESTAMP)) AS entered_at
FROM (
  SELECT 'loyal_customers' AS audience, universal_id FROM "identity"."profiles__next" WHERE "loyal_customers"
  UNION ALL SELECT 'frequent_cart_abandoners' AS audience, universal_id FROM "identity"."profiles__next" WHERE "frequent_cart_abandoners"
) m
LEFT JOIN "identity"."audience_members" prev ON prev.audience = m.audience AND prev.universal_id = m.universal_id;
CREATE OR REPLACE TABLE "identity_state"."hubs__next" AS
SELECT CAST(NULL AS BIGINT) AS node_id, CAST(NULL AS BIGINT) AS degree, CAST(NULL AS VARCHAR) AS id_type, CAST(NULL AS VARCHAR) AS id_value WHERE 1 = 0;
CREATE OR REPLACE TABLE "identity_state"."qvalues__next" AS
SELECT CAST(NULL AS VARCHAR) AS id_type, CAST(NULL AS VARCHAR) AS id_value, CAST(NULL AS VARCHAR) AS reason, CAST(NULL AS BIGINT) AS evidence WHERE 1 = 0;

-- ===== stage publish: swap the new tables in, all together
BEGIN TRANSACTION;
DROP VIEW IF EXISTS "identity"."events_stitched";
DROP VIEW IF EXISTS "identity"."orders_stitched";
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
DROP TABLE IF EXISTS "identity"."id_graph";
ALTER TABLE "identity"."id_graph__next" RENAME TO "id_graph";
DROP TABLE IF EXISTS "identity"."profiles";
ALTER TABLE "identity"."profiles__next" RENAME TO "profiles";
DROP TABLE IF EXISTS "identity"."id_edges";
ALTER TABLE "identity"."id_edges__next" RENAME TO "id_edges";
DROP TABLE IF EXISTS "identity"."id_quarantine";
ALTER TABLE "identity"."id_quarantine__next" RENAME TO "id_quarantine";
DROP TABLE IF EXISTS "identity"."audience_members";
ALTER TABLE "identity"."audience_members__next" RENAME TO "audience_members";
-- source events with the universal id of each row
CREATE OR REPLACE VIEW "identity"."events_stitched" AS
SELECT s.*, COALESCE(g1.universal_id, CAST(NULL AS VARCHAR)) AS universal_id
FROM "raw"."events" s
LEFT JOIN "identity"."id_graph" g1 ON g1.id_type = 'user_id' AND g1.id_value = NULLIF(NULLIF(CAST(s."user_id" AS VARCHAR), ''), '');
-- source orders with the universal id of each row
CREATE OR REPLACE VIEW "identity"."orders_stitched" AS
SELECT s.*, COALESCE(g1.universal_id, g2.universal_id, CAST(NULL AS VARCHAR)) AS universal_id
FROM "raw"."orders" s
LEFT JOIN "identity"."id_graph" g1 ON g1.id_type = 'user_id' AND g1.id_value = NULLIF(NULLIF(CAST(s."user_id" AS VARCHAR), ''), '')
LEFT JOIN "identity"."id_graph" g2 ON g2.id_type = 'email' AND g2.id_value = NULLIF(NULLIF(CAST(s."email" AS VARCHAR), ''), '');
DROP TABLE IF EXISTS "identity_state"."rows_events";
ALTER TABLE "identity_state"."rows_events__next" RENAME TO "rows_events";
DROP TABLE IF EXISTS "identity_state"."rows_orders";
ALTER TABLE "identity_state"."rows_orders__next" RENAME TO "rows_orders";
DROP TABLE IF EXISTS "identity_state"."hubs";
ALTER TABLE "identity_state"."hubs__next" RENAME TO "hubs";
DROP TABLE IF EXISTS "identity_state"."qvalues";
ALTER TABLE "identity_state"."qvalues__next" RENAME TO "qvalues";
DROP TABLE IF EXISTS "identity_state"."regions";
ALTER TABLE "identity_state"."regions__next" RENAME TO "regions";
DELETE FROM "identity_state"."meta" WHERE 1 = 1;
INSERT INTO "identity_state"."meta" (section, fingerprint) VALUES ('audiences', 'd31b68facd1b2b80'), ('checks', 'a157d8ad65b576fe'), ('degrees', '84e3e2cc7fec8133'), ('format', '2bf175f9655e7bb7'), ('id_salt', 'd88e6c3b56e02dfc'), ('id_types', '90225098f1f13b77'), ('limits', '{}'), ('policy', '439083f38956ba51'), ('sources', 'e01a6734b4e5c2a8'), ('traits', '5886c64e5477e721');
INSERT INTO "identity"."id_changes" (run_id, changed_at, kind, old_universal_id, new_universal_id, identifiers) SELECT 0, CAST(current_timestamp AS TIMESTAMP), kind, old_universal_id, new_universal_id, identifiers FROM "identity_work".main."changes";
COMMIT;

-- ===== stage indexes: indexes for lookups by identifier and by universal id
CREATE INDEX IF NOT EXISTS "id_graph_by_value" ON "identity"."id_graph" ("id_value");
CREATE INDEX IF NOT EXISTS "id_graph_by_universal_id" ON "identity"."id_graph" ("universal_id");
CREATE INDEX IF NOT EXISTS "profiles_by_universal_id" ON "identity"."profiles" ("universal_id");
CREATE INDEX IF NOT EXISTS "id_quarantine_by_value" ON "identity"."id_quarantine" ("id_value");
