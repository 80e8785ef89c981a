-- idstitch plan: project attributes, warehouse snowflake, components by contraction
-- The runner also records each run in the runs table; that bookkeeping is not part of this script, and run_id is 0 in what it writes.

-- ===== stage extract: per source: each row's identifiers, normalized and checked, with their node ids
-- source crm (raw.crm), kept as the rows read so far
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_STATE"."ROWS_CRM__NEXT" AS
SELECT e.*, HASH(COALESCE(CAST(ts AS VARCHAR), '∅'), COALESCE(CAST(t1 AS VARCHAR), '∅'), COALESCE(CAST(f1 AS VARCHAR), '∅'), COALESCE(CAST(t2 AS VARCHAR), '∅'), COALESCE(CAST(f2 AS VARCHAR), '∅'), COALESCE(CAST(t3 AS VARCHAR), '∅'), COALESCE(CAST(f3 AS VARCHAR), '∅'), COALESCE(CAST(v1 AS VARCHAR), '∅'), COALESCE(CAST(q1 AS VARCHAR), '∅'), COALESCE(CAST(v2 AS VARCHAR), '∅'), COALESCE(CAST(q2 AS VARCHAR), '∅')) AS row_hash
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
      NULLIF(r1, '') AS v1,
      NULLIF(r2, '') AS v2
    FROM (
      SELECT
        CAST("UPDATED_AT" AS TIMESTAMP) AS ts,
        NULLIF(CAST((upper(ship_country)) AS VARCHAR), '') AS t1,
        1 AS f1,
        NULLIF(CAST("NAME" AS VARCHAR), '') AS t2,
        1 AS f2,
        NULLIF(CAST("CHANNEL" AS VARCHAR), '') AS t3,
        1 AS f3,
        NULLIF(CAST("USER_ID" AS VARCHAR), '') AS r1,
        NULLIF(CAST("EMAIL" AS VARCHAR), '') AS r2
      FROM "RAW"."CRM"
    ) r
  ) v
) s
) e;
-- source orders (raw.orders), kept as the rows read so far
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_STATE"."ROWS_ORDERS__NEXT" AS
SELECT e.*, HASH(COALESCE(CAST(ts AS VARCHAR), '∅'), COALESCE(CAST(t1 AS VARCHAR), '∅'), COALESCE(CAST(f1 AS VARCHAR), '∅'), COALESCE(CAST(t2 AS VARCHAR), '∅'), COALESCE(CAST(f2 AS VARCHAR), '∅'), COALESCE(CAST(t3 AS VARCHAR), '∅'), COALESCE(CAST(f3 AS VARCHAR), '∅'), COALESCE(CAST(v1 AS VARCHAR), '∅'), COALESCE(CAST(q1 AS VARCHAR), '∅'), COALESCE(CAST(v2 AS VARCHAR), '∅'), COALESCE(CAST(q2 AS VARCHAR), '∅'), COALESCE(CAST(v3 AS VARCHAR), '∅'), COALESCE(CAST(q3 AS VARCHAR), '∅')) AS row_hash
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
  CASE WHEN v3 IS NULL OR q3 IS NOT NULL THEN NULL ELSE HASH('email', v3) END AS n3
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
    CAST(NULL AS VARCHAR) AS q1,
    v2,
    CAST(NULL AS VARCHAR) AS q2,
    v3,
    CAST(NULL AS VARCHAR) AS q3
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
      NULLIF(r2, '') AS v2,
      NULLIF(r3, '') AS v3
    FROM (
      SELECT
        CAST("TS" AS TIMESTAMP) AS ts,
        CAST(NULL AS BIGINT) AS t1,
        1 AS f1,
        NULLIF(CAST((upper(ship_country)) AS VARCHAR), '') AS t2,
        1 AS f2,
        NULLIF(CAST("CHANNEL" AS VARCHAR), '') AS t3,
        1 AS f3,
        NULLIF(CAST("USER_ID" AS VARCHAR), '') AS r1,
        NULLIF(CAST("EMAIL" AS VARCHAR), '') AS r2,
        NULLIF(CAST("BILLING_EMAIL" AS VARCHAR), '') AS r3
      FROM "RAW"."ORDERS"
    ) r
  ) v
) s
) e;
-- source web_forms (raw.web_forms), kept as the rows read so far
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_STATE"."ROWS_WEB_FORMS__NEXT" AS
SELECT e.*, HASH(COALESCE(CAST(ts AS VARCHAR), '∅'), COALESCE(CAST(t1 AS VARCHAR), '∅'), COALESCE(CAST(f1 AS VARCHAR), '∅'), COALESCE(CAST(v1 AS VARCHAR), '∅'), COALESCE(CAST(q1 AS VARCHAR), '∅')) AS row_hash
FROM (
SELECT
  ts,
  t1,
  f1,
  v1,
  q1,
  CASE WHEN v1 IS NULL OR q1 IS NOT NULL THEN NULL ELSE HASH('email', v1) END AS n1
FROM (
  SELECT
    ts,
    t1,
    f1,
    v1,
    CAST(NULL AS VARCHAR) AS q1
  FROM (
    SELECT
      ts,
      t1,
      f1,
      NULLIF(r1, '') AS v1
    FROM (
      SELECT
        CAST(NULL AS TIMESTAMP) AS ts,
        NULLIF(CAST("NAME" AS VARCHAR), '') AS t1,
        1 AS f1,
        NULLIF(CAST("EMAIL" AS VARCHAR), '') AS r1
      FROM "RAW"."WEB_FORMS"
    ) r
  ) v
) s
) e;

-- ===== stage traits: profile columns computed from the sources' rows
-- rows of crm with their profile
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."TRAIT_ROWS_CRM" AS
SELECT COALESCE(g1.universal_id, g2.universal_id, CAST(NULL AS VARCHAR)) AS universal_id, s.ts, s.t1, s.f1, s.t2, s.f2, s.t3, s.f3
FROM "IDENTITY_STATE"."ROWS_CRM__NEXT" s
LEFT JOIN "IDENTITY"."ID_GRAPH__NEXT" g1 ON s.n1 = g1.node_id
LEFT JOIN "IDENTITY"."ID_GRAPH__NEXT" g2 ON s.n2 = g2.node_id;
-- rows of orders with their profile
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."TRAIT_ROWS_ORDERS" AS
SELECT COALESCE(g1.universal_id, g2.universal_id, g3.universal_id, CAST(NULL AS VARCHAR)) AS universal_id, s.ts, s.t1, s.f1, s.t2, s.f2, s.t3, s.f3
FROM "IDENTITY_STATE"."ROWS_ORDERS__NEXT" s
LEFT JOIN "IDENTITY"."ID_GRAPH__NEXT" g1 ON s.n1 = g1.node_id
LEFT JOIN "IDENTITY"."ID_GRAPH__NEXT" g2 ON s.n2 = g2.node_id
LEFT JOIN "IDENTITY"."ID_GRAPH__NEXT" g3 ON s.n3 = g3.node_id;
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."TRAITS_ORDERS" AS
SELECT universal_id,
  COUNT(CASE WHEN f1 = 1 THEN 1 END) AS "ORDERS"
FROM "IDENTITY_WORK"."TRAIT_ROWS_ORDERS"
WHERE universal_id IS NOT NULL
GROUP BY universal_id;
-- rows of web_forms with their profile
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."TRAIT_ROWS_WEB_FORMS" AS
SELECT COALESCE(g1.universal_id, CAST(NULL AS VARCHAR)) AS universal_id, s.ts, s.t1, s.f1
FROM "IDENTITY_STATE"."ROWS_WEB_FORMS__NEXT" s
LEFT JOIN "IDENTITY"."ID_GRAPH__NEXT" g1 ON s.n1 = g1.node_id;

-- ===== stage attributes: profile columns chosen among the rows' values by survivorship rules
-- attribute email, most_recent
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."ATTR_EMAIL" AS
SELECT universal_id, value AS "EMAIL", source AS "EMAIL_SOURCE"
FROM (
  SELECT universal_id, value, source,
    ROW_NUMBER() OVER (PARTITION BY universal_id ORDER BY ts DESC NULLS LAST, rnk, value) AS pos
  FROM (
    SELECT universal_id, value, ts, rnk, source
    FROM (
      SELECT g.universal_id, g.id_value AS value, s.ts, 1 AS rnk, CAST('crm' AS VARCHAR) AS source
      FROM "IDENTITY_STATE"."ROWS_CRM__NEXT" s
      JOIN "IDENTITY"."ID_GRAPH__NEXT" g ON s.n2 = g.node_id
      UNION ALL
      SELECT g.universal_id, g.id_value AS value, s.ts, 2 AS rnk, CAST('orders' AS VARCHAR) AS source
      FROM "IDENTITY_STATE"."ROWS_ORDERS__NEXT" s
      JOIN "IDENTITY"."ID_GRAPH__NEXT" g ON s.n2 = g.node_id
      UNION ALL
      SELECT g.universal_id, g.id_value AS value, s.ts, 2 AS rnk, CAST('orders' AS VARCHAR) AS source
      FROM "IDENTITY_STATE"."ROWS_ORDERS__NEXT" s
      JOIN "IDENTITY"."ID_GRAPH__NEXT" g ON s.n3 = g.node_id
      UNION ALL
      SELECT g.universal_id, g.id_value AS value, s.ts, 3 AS rnk, CAST('web_forms' AS VARCHAR) AS source
      FROM "IDENTITY_STATE"."ROWS_WEB_FORMS__NEXT" s
      JOIN "IDENTITY"."ID_GRAPH__NEXT" g ON s.n1 = g.node_id
    ) c
  ) r
) w
WHERE pos = 1;
-- attribute country, most_frequent
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."ATTR_COUNTRY" AS
SELECT universal_id, value AS "COUNTRY", source AS "COUNTRY_SOURCE"
FROM (
  SELECT universal_id, value, source,
    ROW_NUMBER() OVER (PARTITION BY universal_id ORDER BY n DESC, last_ts DESC NULLS LAST, value, ts DESC NULLS LAST, rnk) AS pos
  FROM (
    SELECT universal_id, value, ts, rnk, source,
      COUNT(*) OVER (PARTITION BY universal_id, value) AS n,
      MAX(ts) OVER (PARTITION BY universal_id, value) AS last_ts
    FROM (
      SELECT universal_id, t2 AS value, ts, 1 AS rnk, CAST('orders' AS VARCHAR) AS source
      FROM "IDENTITY_WORK"."TRAIT_ROWS_ORDERS"
      WHERE universal_id IS NOT NULL AND t2 IS NOT NULL
      UNION ALL
      SELECT universal_id, t1 AS value, ts, 2 AS rnk, CAST('crm' AS VARCHAR) AS source
      FROM "IDENTITY_WORK"."TRAIT_ROWS_CRM"
      WHERE universal_id IS NOT NULL AND t1 IS NOT NULL
    ) c
  ) r
) w
WHERE pos = 1;
-- attribute full_name, source_priority
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."ATTR_FULL_NAME" AS
SELECT universal_id, value AS "FULL_NAME", source AS "FULL_NAME_SOURCE"
FROM (
  SELECT universal_id, value, source,
    ROW_NUMBER() OVER (PARTITION BY universal_id ORDER BY rnk, ts DESC NULLS LAST, value) AS pos
  FROM (
    SELECT universal_id, value, ts, rnk, source
    FROM (
      SELECT universal_id, t2 AS value, ts, 1 AS rnk, CAST('crm' AS VARCHAR) AS source
      FROM "IDENTITY_WORK"."TRAIT_ROWS_CRM"
      WHERE universal_id IS NOT NULL AND t2 IS NOT NULL
      UNION ALL
      SELECT universal_id, t1 AS value, ts, 2 AS rnk, CAST('web_forms' AS VARCHAR) AS source
      FROM "IDENTITY_WORK"."TRAIT_ROWS_WEB_FORMS"
      WHERE universal_id IS NOT NULL AND t1 IS NOT NULL
    ) c
  ) r
) w
WHERE pos = 1;
-- attribute signup_channel, first_seen
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."ATTR_SIGNUP_CHANNEL" AS
SELECT universal_id, value AS "SIGNUP_CHANNEL", source AS "SIGNUP_CHANNEL_SOURCE"
FROM (
  SELECT universal_id, value, source,
    ROW_NUMBER() OVER (PARTITION BY universal_id ORDER BY ts ASC NULLS LAST, rnk, value) AS pos
  FROM (
    SELECT universal_id, value, ts, rnk, source
    FROM (
      SELECT universal_id, t3 AS value, ts, 1 AS rnk, CAST('crm' AS VARCHAR) AS source
      FROM "IDENTITY_WORK"."TRAIT_ROWS_CRM"
      WHERE universal_id IS NOT NULL AND t3 IS NOT NULL
      UNION ALL
      SELECT universal_id, t3 AS value, ts, 2 AS rnk, CAST('orders' AS VARCHAR) AS source
      FROM "IDENTITY_WORK"."TRAIT_ROWS_ORDERS"
      WHERE universal_id IS NOT NULL AND t3 IS NOT NULL
    ) c
  ) r
) w
WHERE pos = 1;

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
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY"."PROFILES__NEXT" AS
SELECT p.*
FROM (
  SELECT b.*,
    COALESCE(t2."ORDERS", 0) AS "ORDERS",
    a1."EMAIL" AS "EMAIL",
    a1."EMAIL_SOURCE" AS "EMAIL_SOURCE",
    a2."COUNTRY" AS "COUNTRY",
    a3."FULL_NAME" AS "FULL_NAME",
    a3."FULL_NAME_SOURCE" AS "FULL_NAME_SOURCE",
    a4."SIGNUP_CHANNEL" AS "SIGNUP_CHANNEL"
  FROM "IDENTITY_WORK"."PROFILES_BASE" b
  LEFT JOIN "IDENTITY_WORK"."TRAITS_ORDERS" t2 ON b.universal_id = t2.universal_id
  LEFT JOIN "IDENTITY_WORK"."ATTR_EMAIL" a1 ON b.universal_id = a1.universal_id
  LEFT JOIN "IDENTITY_WORK"."ATTR_COUNTRY" a2 ON b.universal_id = a2.universal_id
  LEFT JOIN "IDENTITY_WORK"."ATTR_FULL_NAME" a3 ON b.universal_id = a3.universal_id
  LEFT JOIN "IDENTITY_WORK"."ATTR_SIGNUP_CHANNEL" a4 ON b.universal_id = a4.universal_id
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
