-- idstitch plan: project traits, warehouse snowflake, components by contraction
-- The runner also records each run in the runs table; that bookkeeping is not part of this script, and run_id is 0 in what it writes.

-- ===== stage extract: per source: each row's identifiers, normalized and checked, with their node ids
-- source orders (raw.orders), kept as the rows read so far
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_STATE"."ROWS_ORDERS__NEXT" AS
SELECT e.*, HASH(COALESCE(CAST(ts AS VARCHAR), '∅'), COALESCE(CAST(t1 AS VARCHAR), '∅'), COALESCE(CAST(f1 AS VARCHAR), '∅'), COALESCE(CAST(t2 AS VARCHAR), '∅'), COALESCE(CAST(f2 AS VARCHAR), '∅'), COALESCE(CAST(t3 AS VARCHAR), '∅'), COALESCE(CAST(f3 AS VARCHAR), '∅'), COALESCE(CAST(t4 AS VARCHAR), '∅'), COALESCE(CAST(f4 AS VARCHAR), '∅'), COALESCE(CAST(t5 AS VARCHAR), '∅'), COALESCE(CAST(f5 AS VARCHAR), '∅'), COALESCE(CAST(t6 AS VARCHAR), '∅'), COALESCE(CAST(f6 AS VARCHAR), '∅'), COALESCE(CAST(t7 AS VARCHAR), '∅'), COALESCE(CAST(f7 AS VARCHAR), '∅'), COALESCE(CAST(t8 AS VARCHAR), '∅'), COALESCE(CAST(f8 AS VARCHAR), '∅'), COALESCE(CAST(v1 AS VARCHAR), '∅'), COALESCE(CAST(q1 AS VARCHAR), '∅')) AS row_hash
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
  t5,
  f5,
  t6,
  f6,
  t7,
  f7,
  t8,
  f8,
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
    t4,
    f4,
    t5,
    f5,
    t6,
    f6,
    t7,
    f7,
    t8,
    f8,
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
      t4,
      f4,
      t5,
      f5,
      t6,
      f6,
      t7,
      f7,
      t8,
      f8,
      NULLIF(r1, '') AS v1
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
        "REVENUE" AS t5,
        1 AS f5,
        "CHANNEL" AS t6,
        1 AS f6,
        "CHANNEL" AS t7,
        1 AS f7,
        CAST(NULL AS BIGINT) AS t8,
        CASE WHEN (status = 'refunded') AND CAST("TS" AS TIMESTAMP) >= DATEADD(day, -90, SYSDATE()) THEN 1 ELSE 0 END AS f8,
        NULLIF(CAST("USER_ID" AS VARCHAR), '') AS r1
      FROM "RAW"."ORDERS"
    ) r
  ) v
) s
) e;

-- ===== stage traits: profile columns computed from the sources' rows
-- rows of orders with their profile
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."TRAIT_ROWS_ORDERS" AS
SELECT COALESCE(g1.universal_id, CAST(NULL AS VARCHAR)) AS universal_id, s.ts, s.t1, s.f1, s.t2, s.f2, s.t3, s.f3, s.t4, s.f4, s.t5, s.f5, s.t6, s.f6, s.t7, s.f7, s.t8, s.f8
FROM "IDENTITY_STATE"."ROWS_ORDERS__NEXT" s
LEFT JOIN "IDENTITY"."ID_GRAPH__NEXT" g1 ON s.n1 = g1.node_id;
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."TRAITS_ORDERS" AS
SELECT universal_id,
  SUM(CASE WHEN f1 = 1 THEN t1 END) AS "LIFETIME_REVENUE",
  COUNT(CASE WHEN f2 = 1 THEN 1 END) AS "ORDERS",
  AVG(CASE WHEN f3 = 1 THEN t3 END) AS "AVERAGE_ORDER",
  MAX(CASE WHEN f4 = 1 THEN t4 END) AS "BIGGEST_ORDER",
  MAX_BY(t5, IFF(f5 = 1, ts, NULL)) AS "LAST_ORDER_REVENUE",
  MIN_BY(t6, IFF(f6 = 1, ts, NULL)) AS "FIRST_CHANNEL",
  COUNT(DISTINCT CASE WHEN f7 = 1 THEN t7 END) AS "CHANNELS",
  COUNT(CASE WHEN f8 = 1 THEN 1 END) AS "REFUNDS_90D"
FROM "IDENTITY_WORK"."TRAIT_ROWS_ORDERS"
WHERE universal_id IS NOT NULL
GROUP BY universal_id;

-- ===== stage outputs: output tables, built beside the published ones
-- universal ids that are new, merged, split or quarantined since the last run
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."CHANGES" AS
SELECT CASE
    WHEN p.new_id IS NULL THEN 'quarantine'
    WHEN p.old_id IS NULL THEN 'new'
    WHEN p.old_id IN (SELECT universal_id FROM "IDENTITY"."ID_GRAPH__NEXT") THEN 'split'
    ELSE 'merge'
  END AS kind,
  p.old_id AS old_universal_id, p.new_id AS new_universal_id, p.moved AS identifiers
FROM (
  SELECT old_id, new_id, COUNT(*) AS moved
  FROM (
    SELECT o.universal_id AS old_id, n.universal_id AS new_id
    FROM "IDENTITY"."ID_GRAPH" o
    FULL OUTER JOIN "IDENTITY"."ID_GRAPH__NEXT" n ON o.node_id = n.node_id
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
    MAX(CASE WHEN id_type = 'user_id' THEN latest END) AS "LATEST_USER_ID"
  FROM per_type
  GROUP BY component
)
SELECT a.universal_id, p.first_seen_at, p.last_seen_at, p.identifiers, p."USER_ID_COUNT", p."LATEST_USER_ID"
FROM per_profile p
JOIN "IDENTITY_WORK"."ANCHORS" a ON p.component = a.component;
-- profiles with their traits and audience flags
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY"."PROFILES__NEXT" AS
SELECT p.*
FROM (
  SELECT b.*,
    t1."LIFETIME_REVENUE" AS "LIFETIME_REVENUE",
    COALESCE(t1."ORDERS", 0) AS "ORDERS",
    t1."AVERAGE_ORDER" AS "AVERAGE_ORDER",
    t1."BIGGEST_ORDER" AS "BIGGEST_ORDER",
    t1."LAST_ORDER_REVENUE" AS "LAST_ORDER_REVENUE",
    t1."FIRST_CHANNEL" AS "FIRST_CHANNEL",
    COALESCE(t1."CHANNELS", 0) AS "CHANNELS",
    COALESCE(t1."REFUNDS_90D", 0) AS "REFUNDS_90D"
  FROM "IDENTITY_WORK"."PROFILES_BASE" b
  LEFT JOIN "IDENTITY_WORK"."TRAITS_ORDERS" t1 ON b.universal_id = t1.universal_id
) p;
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY"."ID_EDGES__NEXT" AS
SELECT ga.universal_id,
  ga.id_type AS id_type_a, ga.id_value AS id_value_a,
  gb.id_type AS id_type_b, gb.id_value AS id_value_b,
  e.row_count, e.first_seen_at, e.last_seen_at, e.sources
FROM "IDENTITY_WORK"."EDGES" e
JOIN "IDENTITY"."ID_GRAPH__NEXT" ga ON e.a = ga.node_id
JOIN "IDENTITY"."ID_GRAPH__NEXT" gb ON e.b = gb.node_id
-- one universal id per profile: its anchor's, which no other profile has
WHERE ga.universal_id = gb.universal_id;
-- what was kept out of the graph, and why
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY"."ID_QUARANTINE__NEXT" AS
SELECT id_type, id_value, reason, evidence, CAST(0 AS BIGINT) AS run_id
FROM (
  SELECT CAST(NULL AS VARCHAR) AS id_type, CAST(NULL AS VARCHAR) AS id_value, CAST(NULL AS VARCHAR) AS reason, CAST(NULL AS BIGINT) AS evidence
  WHERE 1 = 0
) q;
-- audience members; those already in keep the time they entered
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY"."AUDIENCE_MEMBERS__NEXT" AS
SELECT m.audience, m.universal_id, COALESCE(prev.entered_at, CAST(SYSDATE() AS TIMESTAMP)) AS entered_at
FROM (
  SELECT CAST(NULL AS VARCHAR) AS audience, CAST(NULL AS VARCHAR) AS universal_id FROM "IDENTITY"."PROFILES__NEXT" WHERE 1 = 0
) m
LEFT JOIN "IDENTITY"."AUDIENCE_MEMBERS" prev ON prev.audience = m.audience AND prev.universal_id = m.universal_id;
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_STATE"."HUBS__NEXT" AS
SELECT CAST(NULL AS BIGINT) AS node_id, CAST(NULL AS BIGINT) AS degree, CAST(NULL AS VARCHAR) AS id_type, CAST(NULL AS VARCHAR) AS id_value WHERE 1 = 0;
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_STATE"."QVALUES__NEXT" AS
SELECT CAST(NULL AS VARCHAR) AS id_type, CAST(NULL AS VARCHAR) AS id_value, CAST(NULL AS VARCHAR) AS reason, CAST(NULL AS BIGINT) AS evidence WHERE 1 = 0;
-- the changes, kept for the publish
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY"."ID_CHANGES__NEXT" AS
SELECT * FROM "IDENTITY_WORK"."CHANGES";
