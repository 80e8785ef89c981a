-- idstitch plan: project traits, warehouse bigquery, components by contraction
-- The runner also records each run in the runs table; that bookkeeping is not part of this script, and run_id is 0 in what it writes.

-- ===== stage extract: per source: each row's identifiers, normalized and checked, with their node ids
-- source orders (raw.orders), kept as the rows read so far
CREATE OR REPLACE TABLE `identity_state`.`rows_orders__next`
PARTITION BY TIMESTAMP_TRUNC(`ts`, MONTH)
CLUSTER BY `row_hash` AS
SELECT e.*, FARM_FINGERPRINT(ARRAY_TO_STRING([CAST(COALESCE(CAST(ts AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(t1 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(f1 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(t2 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(f2 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(t3 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(f3 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(t4 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(f4 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(t5 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(f5 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(t6 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(f6 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(t7 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(f7 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(t8 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(f8 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(v1 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(q1 AS STRING), '∅') AS STRING)], '\x1f')) AS row_hash
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
  CASE WHEN v1 IS NULL OR q1 IS NOT NULL THEN NULL ELSE FARM_FINGERPRINT(ARRAY_TO_STRING([CAST('user_id' AS STRING), CAST(v1 AS STRING)], '\x1f')) END AS n1
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
    CAST(NULL AS STRING) AS q1
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
        CAST(`ts` AS TIMESTAMP) AS ts,
        `revenue` AS t1,
        1 AS f1,
        CAST(NULL AS INT64) AS t2,
        1 AS f2,
        `revenue` AS t3,
        1 AS f3,
        `revenue` AS t4,
        1 AS f4,
        `revenue` AS t5,
        1 AS f5,
        `channel` AS t6,
        1 AS f6,
        `channel` AS t7,
        1 AS f7,
        CAST(NULL AS INT64) AS t8,
        CASE WHEN (status = 'refunded') AND CAST(`ts` AS TIMESTAMP) >= TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL 90 DAY) THEN 1 ELSE 0 END AS f8,
        NULLIF(CAST(`user_id` AS STRING), '') AS r1
      FROM `raw`.`orders`
    ) r
  ) v
) s
) e;

-- ===== stage traits: profile columns computed from the sources' rows
-- rows of orders with their profile
CREATE OR REPLACE TABLE `identity_work`.`trait_rows_orders`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT COALESCE(g1.universal_id, CAST(NULL AS STRING)) AS universal_id, s.ts, s.t1, s.f1, s.t2, s.f2, s.t3, s.f3, s.t4, s.f4, s.t5, s.f5, s.t6, s.f6, s.t7, s.f7, s.t8, s.f8
FROM `identity_state`.`rows_orders__next` s
LEFT JOIN `identity`.`id_graph__next` g1 ON s.n1 = g1.node_id;
CREATE OR REPLACE TABLE `identity_work`.`traits_orders`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT universal_id,
  SUM(CASE WHEN f1 = 1 THEN t1 END) AS `lifetime_revenue`,
  COUNT(CASE WHEN f2 = 1 THEN 1 END) AS `orders`,
  AVG(CASE WHEN f3 = 1 THEN t3 END) AS `average_order`,
  MAX(CASE WHEN f4 = 1 THEN t4 END) AS `biggest_order`,
  ARRAY_AGG(IF(f5 = 1, t5, NULL) IGNORE NULLS ORDER BY ts DESC LIMIT 1)[SAFE_OFFSET(0)] AS `last_order_revenue`,
  ARRAY_AGG(IF(f6 = 1, t6, NULL) IGNORE NULLS ORDER BY ts LIMIT 1)[SAFE_OFFSET(0)] AS `first_channel`,
  COUNT(DISTINCT CASE WHEN f7 = 1 THEN t7 END) AS `channels`,
  COUNT(CASE WHEN f8 = 1 THEN 1 END) AS `refunds_90d`
FROM `identity_work`.`trait_rows_orders`
WHERE universal_id IS NOT NULL
GROUP BY universal_id;

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
    MAX(CASE WHEN id_type = 'user_id' THEN latest END) AS `latest_user_id`
  FROM per_type
  GROUP BY component
)
SELECT a.universal_id, p.first_seen_at, p.last_seen_at, p.identifiers, p.`user_id_count`, p.`latest_user_id`
FROM per_profile p
JOIN `identity_work`.`anchors` a ON p.component = a.component;
-- profiles with their traits and audience flags
CREATE OR REPLACE TABLE `identity`.`profiles__next`
CLUSTER BY `universal_id` AS
SELECT p.*
FROM (
  SELECT b.*,
    t1.`lifetime_revenue` AS `lifetime_revenue`,
    COALESCE(t1.`orders`, 0) AS `orders`,
    t1.`average_order` AS `average_order`,
    t1.`biggest_order` AS `biggest_order`,
    t1.`last_order_revenue` AS `last_order_revenue`,
    t1.`first_channel` AS `first_channel`,
    COALESCE(t1.`channels`, 0) AS `channels`,
    COALESCE(t1.`refunds_90d`, 0) AS `refunds_90d`
  FROM `identity_work`.`profiles_base` b
  LEFT JOIN `identity_work`.`traits_orders` t1 ON b.universal_id = t1.universal_id
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
