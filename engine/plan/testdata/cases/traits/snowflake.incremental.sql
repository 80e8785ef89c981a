-- idstitch plan: project traits, warehouse snowflake, components by contraction
-- The runner also records each run in the runs table; that bookkeeping is not part of this script, and run_id is 0 in what it writes.

-- ===== stage extract: per source: the rows from the watermark less the lookback, and which of them are new or changed
-- source orders (raw.orders): the rows read again
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."WIN_ORDERS" AS
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
      WHERE (CAST("TS" AS TIMESTAMP) IS NULL OR CAST("TS" AS TIMESTAMP) >= CAST('2026-10-29 00:00:00' AS TIMESTAMP))
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
SELECT n1, v1, q1 FROM "IDENTITY_STATE"."ROWS_ORDERS" WHERE (ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) AND row_hash IN (SELECT row_hash FROM "IDENTITY_WORK"."GONE_ORDERS");

-- ===== stage traits: profile columns computed from the sources' rows
-- rows of orders with their profile
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."TRAIT_ROWS_ORDERS" AS
SELECT COALESCE(g1.universal_id, CAST(NULL AS VARCHAR)) AS universal_id, s.ts, s.t1, s.f1, s.t2, s.f2, s.t3, s.f3, s.t4, s.f4, s.t5, s.f5, s.t6, s.f6, s.t7, s.f7, s.t8, s.f8
FROM "IDENTITY_WORK"."SRC_ORDERS" s
LEFT JOIN "IDENTITY_WORK"."GRAPH" g1 ON s.n1 = g1.node_id;
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
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."PROFILES_REGION" AS
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
