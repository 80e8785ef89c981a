-- idstitch plan: project attributes, warehouse duckdb, components by contraction
-- The runner also records each run in the runs table; that bookkeeping is not part of this script, and run_id is 0 in what it writes.

-- ===== stage extract: per source: each row's identifiers, normalized and checked, with their node ids
-- source crm (raw.crm), kept as the rows read so far
CREATE OR REPLACE TABLE "identity_state"."rows_crm__next" AS
SELECT e.*, CAST(CAST(hash(ts, t1, f1, t2, f2, t3, f3, v1, q1, v2, q2) AS HUGEINT) - 9223372036854775808 AS BIGINT) AS row_hash
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
        CAST("updated_at" AS TIMESTAMP) AS ts,
        NULLIF(CAST((upper(ship_country)) AS VARCHAR), '') AS t1,
        1 AS f1,
        NULLIF(CAST("name" AS VARCHAR), '') AS t2,
        1 AS f2,
        NULLIF(CAST("channel" AS VARCHAR), '') AS t3,
        1 AS f3,
        NULLIF(CAST("user_id" AS VARCHAR), '') AS r1,
        NULLIF(CAST("email" AS VARCHAR), '') AS r2
      FROM "raw"."crm"
    ) r
  ) v
) s
) e;
-- source orders (raw.orders), kept as the rows read so far
CREATE OR REPLACE TABLE "identity_state"."rows_orders__next" AS
SELECT e.*, CAST(CAST(hash(ts, t1, f1, t2, f2, t3, f3, v1, q1, v2, q2, v3, q3) AS HUGEINT) - 9223372036854775808 AS BIGINT) AS row_hash
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
  CASE WHEN v3 IS NULL OR q3 IS NOT NULL THEN NULL ELSE CAST(CAST(hash('email', v3) AS HUGEINT) - 9223372036854775808 AS BIGINT) END AS n3
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
        CAST("ts" AS TIMESTAMP) AS ts,
        CAST(NULL AS BIGINT) AS t1,
        1 AS f1,
        NULLIF(CAST((upper(ship_country)) AS VARCHAR), '') AS t2,
        1 AS f2,
        NULLIF(CAST("channel" AS VARCHAR), '') AS t3,
        1 AS f3,
        NULLIF(CAST("user_id" AS VARCHAR), '') AS r1,
        NULLIF(CAST("email" AS VARCHAR), '') AS r2,
        NULLIF(CAST("billing_email" AS VARCHAR), '') AS r3
      FROM "raw"."orders"
    ) r
  ) v
) s
) e;
-- source web_forms (raw.web_forms), kept as the rows read so far
CREATE OR REPLACE TABLE "identity_state"."rows_web_forms__next" AS
SELECT e.*, CAST(CAST(hash(ts, t1, f1, v1, q1) AS HUGEINT) - 9223372036854775808 AS BIGINT) AS row_hash
FROM (
SELECT
  ts,
  t1,
  f1,
  v1,
  q1,
  CASE WHEN v1 IS NULL OR q1 IS NOT NULL THEN NULL ELSE CAST(CAST(hash('email', v1) AS HUGEINT) - 9223372036854775808 AS BIGINT) END AS n1
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
        NULLIF(CAST("name" AS VARCHAR), '') AS t1,
        1 AS f1,
        NULLIF(CAST("email" AS VARCHAR), '') AS r1
      FROM "raw"."web_forms"
    ) r
  ) v
) s
) e;

-- ===== stage traits: profile columns computed from the sources' rows
-- rows of crm with their profile
CREATE OR REPLACE TABLE "identity_work".main."trait_rows_crm" AS
SELECT COALESCE(g1.universal_id, g2.universal_id, CAST(NULL AS VARCHAR)) AS universal_id, s.ts, s.t1, s.f1, s.t2, s.f2, s.t3, s.f3
FROM "identity_state"."rows_crm__next" s
LEFT JOIN "identity"."id_graph__next" g1 ON s.n1 = g1.node_id
LEFT JOIN "identity"."id_graph__next" g2 ON s.n2 = g2.node_id;
-- rows of orders with their profile
CREATE OR REPLACE TABLE "identity_work".main."trait_rows_orders" AS
SELECT COALESCE(g1.universal_id, g2.universal_id, g3.universal_id, CAST(NULL AS VARCHAR)) AS universal_id, s.ts, s.t1, s.f1, s.t2, s.f2, s.t3, s.f3
FROM "identity_state"."rows_orders__next" s
LEFT JOIN "identity"."id_graph__next" g1 ON s.n1 = g1.node_id
LEFT JOIN "identity"."id_graph__next" g2 ON s.n2 = g2.node_id
LEFT JOIN "identity"."id_graph__next" g3 ON s.n3 = g3.node_id;
CREATE OR REPLACE TABLE "identity_work".main."traits_orders" AS
SELECT universal_id,
  COUNT(CASE WHEN f1 = 1 THEN 1 END) AS "orders"
FROM "identity_work".main."trait_rows_orders"
WHERE universal_id IS NOT NULL
GROUP BY universal_id;
-- rows of web_forms with their profile
CREATE OR REPLACE TABLE "identity_work".main."trait_rows_web_forms" AS
SELECT COALESCE(g1.universal_id, CAST(NULL AS VARCHAR)) AS universal_id, s.ts, s.t1, s.f1
FROM "identity_state"."rows_web_forms__next" s
LEFT JOIN "identity"."id_graph__next" g1 ON s.n1 = g1.node_id;

-- ===== stage attributes: profile columns chosen among the rows' values by survivorship rules
-- attribute email, most_recent
CREATE OR REPLACE TABLE "identity_work".main."attr_email" AS
SELECT universal_id, value AS "email", source AS "email_source"
FROM (
  SELECT universal_id, value, source,
    ROW_NUMBER() OVER (PARTITION BY universal_id ORDER BY ts DESC NULLS LAST, rnk, value) AS pos
  FROM (
    SELECT universal_id, value, ts, rnk, source
    FROM (
      SELECT g.universal_id, g.id_value AS value, s.ts, 1 AS rnk, CAST('crm' AS VARCHAR) AS source
      FROM "identity_state"."rows_crm__next" s
      JOIN "identity"."id_graph__next" g ON s.n2 = g.node_id
      UNION ALL
      SELECT g.universal_id, g.id_value AS value, s.ts, 2 AS rnk, CAST('orders' AS VARCHAR) AS source
      FROM "identity_state"."rows_orders__next" s
      JOIN "identity"."id_graph__next" g ON s.n2 = g.node_id
      UNION ALL
      SELECT g.universal_id, g.id_value AS value, s.ts, 2 AS rnk, CAST('orders' AS VARCHAR) AS source
      FROM "identity_state"."rows_orders__next" s
      JOIN "identity"."id_graph__next" g ON s.n3 = g.node_id
      UNION ALL
      SELECT g.universal_id, g.id_value AS value, s.ts, 3 AS rnk, CAST('web_forms' AS VARCHAR) AS source
      FROM "identity_state"."rows_web_forms__next" s
      JOIN "identity"."id_graph__next" g ON s.n1 = g.node_id
    ) c
  ) r
) w
WHERE pos = 1;
-- attribute country, most_frequent
CREATE OR REPLACE TABLE "identity_work".main."attr_country" AS
SELECT universal_id, value AS "country", source AS "country_source"
FROM (
  SELECT universal_id, value, source,
    ROW_NUMBER() OVER (PARTITION BY universal_id ORDER BY n DESC, last_ts DESC NULLS LAST, value, ts DESC NULLS LAST, rnk) AS pos
  FROM (
    SELECT universal_id, value, ts, rnk, source,
      COUNT(*) OVER (PARTITION BY universal_id, value) AS n,
      MAX(ts) OVER (PARTITION BY universal_id, value) AS last_ts
    FROM (
      SELECT universal_id, t2 AS value, ts, 1 AS rnk, CAST('orders' AS VARCHAR) AS source
      FROM "identity_work".main."trait_rows_orders"
      WHERE universal_id IS NOT NULL AND t2 IS NOT NULL
      UNION ALL
      SELECT universal_id, t1 AS value, ts, 2 AS rnk, CAST('crm' AS VARCHAR) AS source
      FROM "identity_work".main."trait_rows_crm"
      WHERE universal_id IS NOT NULL AND t1 IS NOT NULL
    ) c
  ) r
) w
WHERE pos = 1;
-- attribute full_name, source_priority
CREATE OR REPLACE TABLE "identity_work".main."attr_full_name" AS
SELECT universal_id, value AS "full_name", source AS "full_name_source"
FROM (
  SELECT universal_id, value, source,
    ROW_NUMBER() OVER (PARTITION BY universal_id ORDER BY rnk, ts DESC NULLS LAST, value) AS pos
  FROM (
    SELECT universal_id, value, ts, rnk, source
    FROM (
      SELECT universal_id, t2 AS value, ts, 1 AS rnk, CAST('crm' AS VARCHAR) AS source
      FROM "identity_work".main."trait_rows_crm"
      WHERE universal_id IS NOT NULL AND t2 IS NOT NULL
      UNION ALL
      SELECT universal_id, t1 AS value, ts, 2 AS rnk, CAST('web_forms' AS VARCHAR) AS source
      FROM "identity_work".main."trait_rows_web_forms"
      WHERE universal_id IS NOT NULL AND t1 IS NOT NULL
    ) c
  ) r
) w
WHERE pos = 1;
DROP TABLE IF EXISTS "identity_work".main."trait_rows_web_forms";
-- attribute signup_channel, first_seen
CREATE OR REPLACE TABLE "identity_work".main."attr_signup_channel" AS
SELECT universal_id, value AS "signup_channel", source AS "signup_channel_source"
FROM (
  SELECT universal_id, value, source,
    ROW_NUMBER() OVER (PARTITION BY universal_id ORDER BY ts ASC NULLS LAST, rnk, value) AS pos
  FROM (
    SELECT universal_id, value, ts, rnk, source
    FROM (
      SELECT universal_id, t3 AS value, ts, 1 AS rnk, CAST('crm' AS VARCHAR) AS source
      FROM "identity_work".main."trait_rows_crm"
      WHERE universal_id IS NOT NULL AND t3 IS NOT NULL
      UNION ALL
      SELECT universal_id, t3 AS value, ts, 2 AS rnk, CAST('orders' AS VARCHAR) AS source
      FROM "identity_work".main."trait_rows_orders"
      WHERE universal_id IS NOT NULL AND t3 IS NOT NULL
    ) c
  ) r
) w
WHERE pos = 1;
DROP TABLE IF EXISTS "identity_work".main."trait_rows_crm";
DROP TABLE IF EXISTS "identity_work".main."trait_rows_orders";

-- ===== stage outputs: output tables, built beside the published ones
-- universal ids that are new, merged, split or quarantined since the last run
CREATE OR REPLACE TABLE "identity_work".main."changes" AS
SELECT CASE
    WHEN p.new_id IS NULL THEN 'quarantine'
    WHEN p.old_id IS NULL THEN 'new'
    WHEN p.old_id IN (SELECT universal_id FROM "identity"."id_graph__next") THEN 'split'
    ELSE 'merge'
  END AS kind,
  p.old_id AS old_universal_id, p.new_id AS new_universal_id, p.moved AS identifiers
FROM (
  SELECT old_id, new_id, COUNT(*) AS moved
  FROM (
    SELECT o.universal_id AS old_id, n.universal_id AS new_id
    FROM "identity"."id_graph" o
    FULL OUTER JOIN "identity"."id_graph__next" n ON o.node_id = n.node_id
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
DROP TABLE IF EXISTS "identity_work".main."anchors";
-- profiles with their traits and audience flags
CREATE OR REPLACE TABLE "identity"."profiles__next" AS
SELECT p.*
FROM (
  SELECT b.*,
    COALESCE(t2."orders", 0) AS "orders",
    a1."email" AS "email",
    a1."email_source" AS "email_source",
    a2."country" AS "country",
    a3."full_name" AS "full_name",
    a3."full_name_source" AS "full_name_source",
    a4."signup_channel" AS "signup_channel"
  FROM "identity_work".main."profiles_base" b
  LEFT JOIN "identity_work".main."traits_orders" t2 ON b.universal_id = t2.universal_id
  LEFT JOIN "identity_work".main."attr_email" a1 ON b.universal_id = a1.universal_id
  LEFT JOIN "identity_work".main."attr_country" a2 ON b.universal_id = a2.universal_id
  LEFT JOIN "identity_work".main."attr_full_name" a3 ON b.universal_id = a3.universal_id
  LEFT JOIN "identity_work".main."attr_signup_channel" a4 ON b.universal_id = a4.universal_id
) p;
DROP TABLE IF EXISTS "identity_work".main."attr_country";
DROP TABLE IF EXISTS "identity_work".main."attr_email";
DROP TABLE IF EXISTS "identity_work".main."attr_full_name";
DROP TABLE IF EXISTS "identity_work".main."attr_signup_channel";
DROP TABLE IF EXISTS "identity_work".main."profiles_base";
DROP TABLE IF EXISTS "identity_work".main."traits_orders";
CREATE OR REPLACE TABLE "identity"."id_edges__next" AS
SELECT ga.universal_id,
  ga.id_type AS id_type_a, ga.id_value AS id_value_a,
  gb.id_type AS id_type_b, gb.id_value AS id_value_b,
  e.row_count, e.first_seen_at, e.last_seen_at, e.sources
FROM "identity_work".main."edges" e
JOIN "identity"."id_graph__next" ga ON e.a = ga.node_id
JOIN "identity"."id_graph__next" gb ON e.b = gb.node_id
-- one universal id per profile: its anchor's, which no other profile has
WHERE ga.universal_id = gb.universal_id;
DROP TABLE IF EXISTS "identity_work".main."edges";
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
  SELECT CAST(NULL AS VARCHAR) AS audience, CAST(NULL AS VARCHAR) AS universal_id FROM "identity"."profiles__next" WHERE 1 = 0
) m
LEFT JOIN "identity"."audience_members" prev ON prev.audience = m.audience AND prev.universal_id = m.universal_id;
CREATE OR REPLACE TABLE "identity_state"."hubs__next" AS
SELECT CAST(NULL AS BIGINT) AS node_id, CAST(NULL AS BIGINT) AS degree, CAST(NULL AS VARCHAR) AS id_type, CAST(NULL AS VARCHAR) AS id_value WHERE 1 = 0;
CREATE OR REPLACE TABLE "identity_state"."qvalues__next" AS
SELECT CAST(NULL AS VARCHAR) AS id_type, CAST(NULL AS VARCHAR) AS id_value, CAST(NULL AS VARCHAR) AS reason, CAST(NULL AS BIGINT) AS evidence WHERE 1 = 0;
