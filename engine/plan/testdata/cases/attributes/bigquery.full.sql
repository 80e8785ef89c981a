-- idstitch plan: project attributes, warehouse bigquery, components by contraction
-- The runner also records each run in the runs table; that bookkeeping is not part of this script, and run_id is 0 in what it writes.

-- ===== stage extract: per source: each row's identifiers, normalized and checked, with their node ids
-- source crm (raw.crm), kept as the rows read so far
CREATE OR REPLACE TABLE `identity_state`.`rows_crm__next`
PARTITION BY TIMESTAMP_TRUNC(`ts`, MONTH)
CLUSTER BY `row_hash` AS
SELECT e.*, FARM_FINGERPRINT(ARRAY_TO_STRING([CAST(COALESCE(CAST(ts AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(t1 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(f1 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(t2 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(f2 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(t3 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(f3 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(v1 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(q1 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(v2 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(q2 AS STRING), '∅') AS STRING)], '\x1f')) AS row_hash
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
  CASE WHEN v1 IS NULL OR q1 IS NOT NULL THEN NULL ELSE FARM_FINGERPRINT(ARRAY_TO_STRING([CAST('user_id' AS STRING), CAST(v1 AS STRING)], '\x1f')) END AS n1,
  v2,
  q2,
  CASE WHEN v2 IS NULL OR q2 IS NOT NULL THEN NULL ELSE FARM_FINGERPRINT(ARRAY_TO_STRING([CAST('email' AS STRING), CAST(v2 AS STRING)], '\x1f')) END AS n2
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
    CAST(NULL AS STRING) AS q1,
    v2,
    CAST(NULL AS STRING) AS q2
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
        CAST(`updated_at` AS TIMESTAMP) AS ts,
        NULLIF(CAST((upper(ship_country)) AS STRING), '') AS t1,
        1 AS f1,
        NULLIF(CAST(`name` AS STRING), '') AS t2,
        1 AS f2,
        NULLIF(CAST(`channel` AS STRING), '') AS t3,
        1 AS f3,
        NULLIF(CAST(`user_id` AS STRING), '') AS r1,
        NULLIF(CAST(`email` AS STRING), '') AS r2
      FROM `raw`.`crm`
    ) r
  ) v
) s
) e;
-- source orders (raw.orders), kept as the rows read so far
CREATE OR REPLACE TABLE `identity_state`.`rows_orders__next`
PARTITION BY TIMESTAMP_TRUNC(`ts`, MONTH)
CLUSTER BY `row_hash` AS
SELECT e.*, FARM_FINGERPRINT(ARRAY_TO_STRING([CAST(COALESCE(CAST(ts AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(t1 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(f1 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(t2 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(f2 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(t3 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(f3 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(v1 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(q1 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(v2 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(q2 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(v3 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(q3 AS STRING), '∅') AS STRING)], '\x1f')) AS row_hash
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
  CASE WHEN v1 IS NULL OR q1 IS NOT NULL THEN NULL ELSE FARM_FINGERPRINT(ARRAY_TO_STRING([CAST('user_id' AS STRING), CAST(v1 AS STRING)], '\x1f')) END AS n1,
  v2,
  q2,
  CASE WHEN v2 IS NULL OR q2 IS NOT NULL THEN NULL ELSE FARM_FINGERPRINT(ARRAY_TO_STRING([CAST('email' AS STRING), CAST(v2 AS STRING)], '\x1f')) END AS n2,
  v3,
  q3,
  CASE WHEN v3 IS NULL OR q3 IS NOT NULL THEN NULL ELSE FARM_FINGERPRINT(ARRAY_TO_STRING([CAST('email' AS STRING), CAST(v3 AS STRING)], '\x1f')) END AS n3
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
    CAST(NULL AS STRING) AS q1,
    v2,
    CAST(NULL AS STRING) AS q2,
    v3,
    CAST(NULL AS STRING) AS q3
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
        CAST(`ts` AS TIMESTAMP) AS ts,
        CAST(NULL AS INT64) AS t1,
        1 AS f1,
        NULLIF(CAST((upper(ship_country)) AS STRING), '') AS t2,
        1 AS f2,
        NULLIF(CAST(`channel` AS STRING), '') AS t3,
        1 AS f3,
        NULLIF(CAST(`user_id` AS STRING), '') AS r1,
        NULLIF(CAST(`email` AS STRING), '') AS r2,
        NULLIF(CAST(`billing_email` AS STRING), '') AS r3
      FROM `raw`.`orders`
    ) r
  ) v
) s
) e;
-- source web_forms (raw.web_forms), kept as the rows read so far
CREATE OR REPLACE TABLE `identity_state`.`rows_web_forms__next`
CLUSTER BY `row_hash` AS
SELECT e.*, FARM_FINGERPRINT(ARRAY_TO_STRING([CAST(COALESCE(CAST(ts AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(t1 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(f1 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(v1 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(q1 AS STRING), '∅') AS STRING)], '\x1f')) AS row_hash
FROM (
SELECT
  ts,
  t1,
  f1,
  v1,
  q1,
  CASE WHEN v1 IS NULL OR q1 IS NOT NULL THEN NULL ELSE FARM_FINGERPRINT(ARRAY_TO_STRING([CAST('email' AS STRING), CAST(v1 AS STRING)], '\x1f')) END AS n1
FROM (
  SELECT
    ts,
    t1,
    f1,
    v1,
    CAST(NULL AS STRING) AS q1
  FROM (
    SELECT
      ts,
      t1,
      f1,
      NULLIF(r1, '') AS v1
    FROM (
      SELECT
        CAST(NULL AS TIMESTAMP) AS ts,
        NULLIF(CAST(`name` AS STRING), '') AS t1,
        1 AS f1,
        NULLIF(CAST(`email` AS STRING), '') AS r1
      FROM `raw`.`web_forms`
    ) r
  ) v
) s
) e;

-- ===== stage traits: profile columns computed from the sources' rows
-- rows of crm with their profile
CREATE OR REPLACE TABLE `identity_work`.`trait_rows_crm`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT COALESCE(g1.universal_id, g2.universal_id, CAST(NULL AS STRING)) AS universal_id, s.ts, s.t1, s.f1, s.t2, s.f2, s.t3, s.f3
FROM `identity_state`.`rows_crm__next` s
LEFT JOIN `identity`.`id_graph__next` g1 ON s.n1 = g1.node_id
LEFT JOIN `identity`.`id_graph__next` g2 ON s.n2 = g2.node_id;
-- rows of orders with their profile
CREATE OR REPLACE TABLE `identity_work`.`trait_rows_orders`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT COALESCE(g1.universal_id, g2.universal_id, g3.universal_id, CAST(NULL AS STRING)) AS universal_id, s.ts, s.t1, s.f1, s.t2, s.f2, s.t3, s.f3
FROM `identity_state`.`rows_orders__next` s
LEFT JOIN `identity`.`id_graph__next` g1 ON s.n1 = g1.node_id
LEFT JOIN `identity`.`id_graph__next` g2 ON s.n2 = g2.node_id
LEFT JOIN `identity`.`id_graph__next` g3 ON s.n3 = g3.node_id;
CREATE OR REPLACE TABLE `identity_work`.`traits_orders`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT universal_id,
  COUNT(CASE WHEN f1 = 1 THEN 1 END) AS `orders`
FROM `identity_work`.`trait_rows_orders`
WHERE universal_id IS NOT NULL
GROUP BY universal_id;
-- rows of web_forms with their profile
CREATE OR REPLACE TABLE `identity_work`.`trait_rows_web_forms`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT COALESCE(g1.universal_id, CAST(NULL AS STRING)) AS universal_id, s.ts, s.t1, s.f1
FROM `identity_state`.`rows_web_forms__next` s
LEFT JOIN `identity`.`id_graph__next` g1 ON s.n1 = g1.node_id;

-- ===== stage attributes: profile columns chosen among the rows' values by survivorship rules
-- attribute email, most_recent
CREATE OR REPLACE TABLE `identity_work`.`attr_email`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT universal_id, value AS `email`, source AS `email_source`
FROM (
  SELECT universal_id, value, source,
    ROW_NUMBER() OVER (PARTITION BY universal_id ORDER BY ts DESC NULLS LAST, rnk, value) AS pos
  FROM (
    SELECT universal_id, value, ts, rnk, source
    FROM (
      SELECT g.universal_id, g.id_value AS value, s.ts, 1 AS rnk, CAST('crm' AS STRING) AS source
      FROM `identity_state`.`rows_crm__next` s
      JOIN `identity`.`id_graph__next` g ON s.n2 = g.node_id
      UNION ALL
      SELECT g.universal_id, g.id_value AS value, s.ts, 2 AS rnk, CAST('orders' AS STRING) AS source
      FROM `identity_state`.`rows_orders__next` s
      JOIN `identity`.`id_graph__next` g ON s.n2 = g.node_id
      UNION ALL
      SELECT g.universal_id, g.id_value AS value, s.ts, 2 AS rnk, CAST('orders' AS STRING) AS source
      FROM `identity_state`.`rows_orders__next` s
      JOIN `identity`.`id_graph__next` g ON s.n3 = g.node_id
      UNION ALL
      SELECT g.universal_id, g.id_value AS value, s.ts, 3 AS rnk, CAST('web_forms' AS STRING) AS source
      FROM `identity_state`.`rows_web_forms__next` s
      JOIN `identity`.`id_graph__next` g ON s.n1 = g.node_id
    ) c
  ) r
) w
WHERE pos = 1;
-- attribute country, most_frequent
CREATE OR REPLACE TABLE `identity_work`.`attr_country`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT universal_id, value AS `country`, source AS `country_source`
FROM (
  SELECT universal_id, value, source,
    ROW_NUMBER() OVER (PARTITION BY universal_id ORDER BY n DESC, last_ts DESC NULLS LAST, value, ts DESC NULLS LAST, rnk) AS pos
  FROM (
    SELECT universal_id, value, ts, rnk, source,
      COUNT(*) OVER (PARTITION BY universal_id, value) AS n,
      MAX(ts) OVER (PARTITION BY universal_id, value) AS last_ts
    FROM (
      SELECT universal_id, t2 AS value, ts, 1 AS rnk, CAST('orders' AS STRING) AS source
      FROM `identity_work`.`trait_rows_orders`
      WHERE universal_id IS NOT NULL AND t2 IS NOT NULL
      UNION ALL
      SELECT universal_id, t1 AS value, ts, 2 AS rnk, CAST('crm' AS STRING) AS source
      FROM `identity_work`.`trait_rows_crm`
      WHERE universal_id IS NOT NULL AND t1 IS NOT NULL
    ) c
  ) r
) w
WHERE pos = 1;
-- attribute full_name, source_priority
CREATE OR REPLACE TABLE `identity_work`.`attr_full_name`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT universal_id, value AS `full_name`, source AS `full_name_source`
FROM (
  SELECT universal_id, value, source,
    ROW_NUMBER() OVER (PARTITION BY universal_id ORDER BY rnk, ts DESC NULLS LAST, value) AS pos
  FROM (
    SELECT universal_id, value, ts, rnk, source
    FROM (
      SELECT universal_id, t2 AS value, ts, 1 AS rnk, CAST('crm' AS STRING) AS source
      FROM `identity_work`.`trait_rows_crm`
      WHERE universal_id IS NOT NULL AND t2 IS NOT NULL
      UNION ALL
      SELECT universal_id, t1 AS value, ts, 2 AS rnk, CAST('web_forms' AS STRING) AS source
      FROM `identity_work`.`trait_rows_web_forms`
      WHERE universal_id IS NOT NULL AND t1 IS NOT NULL
    ) c
  ) r
) w
WHERE pos = 1;
-- attribute signup_channel, first_seen
CREATE OR REPLACE TABLE `identity_work`.`attr_signup_channel`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT universal_id, value AS `signup_channel`, source AS `signup_channel_source`
FROM (
  SELECT universal_id, value, source,
    ROW_NUMBER() OVER (PARTITION BY universal_id ORDER BY ts ASC NULLS LAST, rnk, value) AS pos
  FROM (
    SELECT universal_id, value, ts, rnk, source
    FROM (
      SELECT universal_id, t3 AS value, ts, 1 AS rnk, CAST('crm' AS STRING) AS source
      FROM `identity_work`.`trait_rows_crm`
      WHERE universal_id IS NOT NULL AND t3 IS NOT NULL
      UNION ALL
      SELECT universal_id, t3 AS value, ts, 2 AS rnk, CAST('orders' AS STRING) AS source
      FROM `identity_work`.`trait_rows_orders`
      WHERE universal_id IS NOT NULL AND t3 IS NOT NULL
    ) c
  ) r
) w
WHERE pos = 1;

-- ===== stage outputs: output tables, built beside the published ones
-- universal ids that are new, merged, split or quarantined since the last run
CREATE OR REPLACE TABLE `identity_work`.`changes`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT CASE
    WHEN p.new_id IS NULL THEN 'quarantine'
    WHEN p.old_id IS NULL THEN 'new'
    WHEN p.old_id IN (SELECT universal_id FROM `identity`.`id_graph__next`) THEN 'split'
    ELSE 'merge'
  END AS kind,
  p.old_id AS old_universal_id, p.new_id AS new_universal_id, p.moved AS identifiers
FROM (
  SELECT old_id, new_id, COUNT(*) AS moved
  FROM (
    SELECT o.universal_id AS old_id, n.universal_id AS new_id
    FROM `identity`.`id_graph` o
    FULL OUTER JOIN `identity`.`id_graph__next` n ON o.node_id = n.node_id
  ) m
  WHERE old_id IS NULL OR new_id IS NULL OR old_id <> new_id
  GROUP BY old_id, new_id
) p
-- identifiers seen for the first time that join a profile which already existed change no id
WHERE NOT (p.old_id IS NULL AND p.new_id IN (SELECT universal_id FROM `identity`.`id_graph`));
CREATE OR REPLACE TABLE `identity_work`.`profiles_base`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
WITH ranked AS (
  SELECT component, id_type, id_value, first_seen_at, last_seen_at,
    ROW_NUMBER() OVER (PARTITION BY component, id_type ORDER BY last_seen_at DESC NULLS LAST, id_value DESC) AS pos
  FROM `identity_work`.`assign`
), per_type AS (
  SELECT component, id_type, COUNT(*) AS n, MAX(CASE WHEN pos = 1 THEN id_value END) AS latest,
    MIN(first_seen_at) AS first_seen_at, MAX(last_seen_at) AS last_seen_at
  FROM ranked
  GROUP BY component, id_type
), per_profile AS (
  SELECT component,
    MIN(first_seen_at) AS first_seen_at,
    MAX(last_seen_at) AS last_seen_at,
    CAST(SUM(n) AS INT64) AS identifiers,
    CAST(COALESCE(SUM(CASE WHEN id_type = 'user_id' THEN n END), 0) AS INT64) AS `user_id_count`,
    MAX(CASE WHEN id_type = 'user_id' THEN latest END) AS `latest_user_id`,
    CAST(COALESCE(SUM(CASE WHEN id_type = 'email' THEN n END), 0) AS INT64) AS `email_count`,
    MAX(CASE WHEN id_type = 'email' THEN latest END) AS `latest_email`
  FROM per_type
  GROUP BY component
)
SELECT a.universal_id, p.first_seen_at, p.last_seen_at, p.identifiers, p.`user_id_count`, p.`latest_user_id`, p.`email_count`, p.`latest_email`
FROM per_profile p
JOIN `identity_work`.`anchors` a ON p.component = a.component;
-- profiles with their traits and audience flags
CREATE OR REPLACE TABLE `identity`.`profiles__next`
CLUSTER BY `universal_id` AS
SELECT p.*
FROM (
  SELECT b.*,
    COALESCE(t2.`orders`, 0) AS `orders`,
    a1.`email` AS `email`,
    a1.`email_source` AS `email_source`,
    a2.`country` AS `country`,
    a3.`full_name` AS `full_name`,
    a3.`full_name_source` AS `full_name_source`,
    a4.`signup_channel` AS `signup_channel`
  FROM `identity_work`.`profiles_base` b
  LEFT JOIN `identity_work`.`traits_orders` t2 ON b.universal_id = t2.universal_id
  LEFT JOIN `identity_work`.`attr_email` a1 ON b.universal_id = a1.universal_id
  LEFT JOIN `identity_work`.`attr_country` a2 ON b.universal_id = a2.universal_id
  LEFT JOIN `identity_work`.`attr_full_name` a3 ON b.universal_id = a3.universal_id
  LEFT JOIN `identity_work`.`attr_signup_channel` a4 ON b.universal_id = a4.universal_id
) p;
CREATE OR REPLACE TABLE `identity`.`id_edges__next`
CLUSTER BY `universal_id` AS
SELECT ga.universal_id,
  ga.id_type AS id_type_a, ga.id_value AS id_value_a,
  gb.id_type AS id_type_b, gb.id_value AS id_value_b,
  e.row_count, e.first_seen_at, e.last_seen_at, e.sources
FROM `identity_work`.`edges` e
JOIN `identity`.`id_graph__next` ga ON e.a = ga.node_id
JOIN `identity`.`id_graph__next` gb ON e.b = gb.node_id
-- one universal id per profile: its anchor's, which no other profile has
WHERE ga.universal_id = gb.universal_id;
-- what was kept out of the graph, and why
CREATE OR REPLACE TABLE `identity`.`id_quarantine__next` AS
SELECT id_type, id_value, reason, evidence, CAST(0 AS INT64) AS run_id
FROM (
  SELECT CAST(NULL AS STRING) AS id_type, CAST(NULL AS STRING) AS id_value, CAST(NULL AS STRING) AS reason, CAST(NULL AS INT64) AS evidence
  LIMIT 0
) q;
-- audience members; those already in keep the time they entered
CREATE OR REPLACE TABLE `identity`.`audience_members__next` AS
SELECT m.audience, m.universal_id, COALESCE(prev.entered_at, CAST(CURRENT_TIMESTAMP() AS TIMESTAMP)) AS entered_at
FROM (
  SELECT CAST(NULL AS STRING) AS audience, CAST(NULL AS STRING) AS universal_id FROM `identity`.`profiles__next` WHERE 1 = 0
) m
LEFT JOIN `identity`.`audience_members` prev ON prev.audience = m.audience AND prev.universal_id = m.universal_id;
CREATE OR REPLACE TABLE `identity_state`.`hubs__next` AS
SELECT CAST(NULL AS INT64) AS node_id, CAST(NULL AS INT64) AS degree, CAST(NULL AS STRING) AS id_type, CAST(NULL AS STRING) AS id_value LIMIT 0;
CREATE OR REPLACE TABLE `identity_state`.`qvalues__next` AS
SELECT CAST(NULL AS STRING) AS id_type, CAST(NULL AS STRING) AS id_value, CAST(NULL AS STRING) AS reason, CAST(NULL AS INT64) AS evidence LIMIT 0;
-- the changes, kept for the publish
CREATE OR REPLACE TABLE `identity`.`id_changes__next` AS
SELECT * FROM `identity_work`.`changes`;
