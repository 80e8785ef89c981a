-- idstitch plan: project attributes, warehouse bigquery, components by contraction
-- The runner also records each run in the runs table; that bookkeeping is not part of this script, and run_id is 0 in what it writes.

-- ===== stage extract: per source: the rows from the watermark less the lookback, and which of them are new or changed
-- source crm (raw.crm): the rows read again
CREATE OR REPLACE TABLE `identity_work`.`win_crm`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
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
      WHERE (CAST(`updated_at` AS TIMESTAMP) IS NULL OR CAST(`updated_at` AS TIMESTAMP) >= CAST('2026-10-29 00:00:00' AS TIMESTAMP))
    ) r
  ) v
) s
) e;
-- rows whose count differs from the stored ones
CREATE OR REPLACE TABLE `identity_work`.`changed_crm`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT COALESCE(n.row_hash, o.row_hash) AS row_hash, CASE WHEN o.c IS NULL THEN 0 ELSE 1 END AS stored
FROM (SELECT row_hash, COUNT(*) AS c FROM `identity_work`.`win_crm` GROUP BY row_hash) n
FULL OUTER JOIN (
  SELECT row_hash, COUNT(*) AS c FROM `identity_state`.`rows_crm` s WHERE (ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) GROUP BY row_hash
) o ON n.row_hash = o.row_hash
WHERE n.c IS NULL OR o.c IS NULL OR n.c <> o.c;
CREATE OR REPLACE TABLE `identity_work`.`ins_crm`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT * FROM `identity_work`.`win_crm` WHERE row_hash IN (SELECT row_hash FROM `identity_work`.`changed_crm`);
-- the stored rows that this run replaces
CREATE OR REPLACE TABLE `identity_work`.`gone_crm`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT row_hash FROM `identity_work`.`changed_crm` WHERE stored = 1;
-- their identifiers
CREATE OR REPLACE TABLE `identity_work`.`del_crm`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT n1, v1, n2, v2, q1, q2 FROM `identity_state`.`rows_crm` WHERE (ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) AND row_hash IN (SELECT row_hash FROM `identity_work`.`gone_crm`);
-- source orders (raw.orders): the rows read again
CREATE OR REPLACE TABLE `identity_work`.`win_orders`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
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
      WHERE (CAST(`ts` AS TIMESTAMP) IS NULL OR CAST(`ts` AS TIMESTAMP) >= CAST('2026-10-29 00:00:00' AS TIMESTAMP))
    ) r
  ) v
) s
) e;
-- rows whose count differs from the stored ones
CREATE OR REPLACE TABLE `identity_work`.`changed_orders`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT COALESCE(n.row_hash, o.row_hash) AS row_hash, CASE WHEN o.c IS NULL THEN 0 ELSE 1 END AS stored
FROM (SELECT row_hash, COUNT(*) AS c FROM `identity_work`.`win_orders` GROUP BY row_hash) n
FULL OUTER JOIN (
  SELECT row_hash, COUNT(*) AS c FROM `identity_state`.`rows_orders` s WHERE (ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) GROUP BY row_hash
) o ON n.row_hash = o.row_hash
WHERE n.c IS NULL OR o.c IS NULL OR n.c <> o.c;
CREATE OR REPLACE TABLE `identity_work`.`ins_orders`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT * FROM `identity_work`.`win_orders` WHERE row_hash IN (SELECT row_hash FROM `identity_work`.`changed_orders`);
-- the stored rows that this run replaces
CREATE OR REPLACE TABLE `identity_work`.`gone_orders`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT row_hash FROM `identity_work`.`changed_orders` WHERE stored = 1;
-- their identifiers
CREATE OR REPLACE TABLE `identity_work`.`del_orders`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT n1, v1, n2, v2, n3, v3, q1, q2, q3 FROM `identity_state`.`rows_orders` WHERE (ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) AND row_hash IN (SELECT row_hash FROM `identity_work`.`gone_orders`);
-- source web_forms (raw.web_forms): the rows read again
CREATE OR REPLACE TABLE `identity_work`.`win_web_forms`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
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
-- rows whose count differs from the stored ones
CREATE OR REPLACE TABLE `identity_work`.`changed_web_forms`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT COALESCE(n.row_hash, o.row_hash) AS row_hash, CASE WHEN o.c IS NULL THEN 0 ELSE 1 END AS stored
FROM (SELECT row_hash, COUNT(*) AS c FROM `identity_work`.`win_web_forms` GROUP BY row_hash) n
FULL OUTER JOIN (
  SELECT row_hash, COUNT(*) AS c FROM `identity_state`.`rows_web_forms` s WHERE 1 = 1 GROUP BY row_hash
) o ON n.row_hash = o.row_hash
WHERE n.c IS NULL OR o.c IS NULL OR n.c <> o.c;
CREATE OR REPLACE TABLE `identity_work`.`ins_web_forms`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT * FROM `identity_work`.`win_web_forms` WHERE row_hash IN (SELECT row_hash FROM `identity_work`.`changed_web_forms`);
-- the stored rows that this run replaces
CREATE OR REPLACE TABLE `identity_work`.`gone_web_forms`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT row_hash FROM `identity_work`.`changed_web_forms` WHERE stored = 1;
-- their identifiers
CREATE OR REPLACE TABLE `identity_work`.`del_web_forms`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT n1, v1, q1 FROM `identity_state`.`rows_web_forms` WHERE 1 = 1 AND row_hash IN (SELECT row_hash FROM `identity_work`.`gone_web_forms`);

-- ===== stage traits: profile columns computed from the sources' rows
-- rows of crm with their profile
CREATE OR REPLACE TABLE `identity_work`.`trait_rows_crm`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT COALESCE(g1.universal_id, g2.universal_id, CAST(NULL AS STRING)) AS universal_id, s.ts, s.t1, s.f1, s.t2, s.f2, s.t3, s.f3
FROM `identity_work`.`src_crm` s
LEFT JOIN `identity_work`.`graph` g1 ON s.n1 = g1.node_id
LEFT JOIN `identity_work`.`graph` g2 ON s.n2 = g2.node_id;
-- rows of orders with their profile
CREATE OR REPLACE TABLE `identity_work`.`trait_rows_orders`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT COALESCE(g1.universal_id, g2.universal_id, g3.universal_id, CAST(NULL AS STRING)) AS universal_id, s.ts, s.t1, s.f1, s.t2, s.f2, s.t3, s.f3
FROM `identity_work`.`src_orders` s
LEFT JOIN `identity_work`.`graph` g1 ON s.n1 = g1.node_id
LEFT JOIN `identity_work`.`graph` g2 ON s.n2 = g2.node_id
LEFT JOIN `identity_work`.`graph` g3 ON s.n3 = g3.node_id;
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
FROM `identity_work`.`src_web_forms` s
LEFT JOIN `identity_work`.`graph` g1 ON s.n1 = g1.node_id;

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
      FROM `identity_work`.`src_crm` s
      JOIN `identity_work`.`graph` g ON s.n2 = g.node_id
      UNION ALL
      SELECT g.universal_id, g.id_value AS value, s.ts, 2 AS rnk, CAST('orders' AS STRING) AS source
      FROM `identity_work`.`src_orders` s
      JOIN `identity_work`.`graph` g ON s.n2 = g.node_id
      UNION ALL
      SELECT g.universal_id, g.id_value AS value, s.ts, 2 AS rnk, CAST('orders' AS STRING) AS source
      FROM `identity_work`.`src_orders` s
      JOIN `identity_work`.`graph` g ON s.n3 = g.node_id
      UNION ALL
      SELECT g.universal_id, g.id_value AS value, s.ts, 3 AS rnk, CAST('web_forms' AS STRING) AS source
      FROM `identity_work`.`src_web_forms` s
      JOIN `identity_work`.`graph` g ON s.n1 = g.node_id
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

-- ===== stage outputs: the recomputed regions' rows of the output tables, and what changed
-- every identifier whose published rows are replaced
CREATE OR REPLACE TABLE `identity_work`.`redo`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT DISTINCT node_id, id_type, id_value FROM (SELECT node_id, id_type, id_value FROM `identity_work`.`nodes` UNION ALL SELECT node_id, id_type, id_value FROM `identity_work`.`touched`) r;
-- their published universal ids
CREATE OR REPLACE TABLE `identity_work`.`old_map`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT node_id, universal_id FROM `identity`.`id_graph` WHERE node_id IN (SELECT node_id FROM `identity_work`.`redo`);
CREATE OR REPLACE TABLE `identity_work`.`redo_ids`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT DISTINCT universal_id FROM (SELECT universal_id FROM `identity_work`.`old_map` UNION ALL SELECT universal_id FROM `identity_work`.`graph`) u;
-- of those, the identifiers whose published row changes
CREATE OR REPLACE TABLE `identity_work`.`graph_write`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT r.node_id FROM `identity_work`.`redo` r
WHERE r.node_id NOT IN (
  SELECT g.node_id
  FROM `identity_work`.`graph` g
  JOIN `identity`.`id_graph` o ON o.node_id = g.node_id
  WHERE o.universal_id = g.universal_id AND o.id_type = g.id_type AND o.id_value = g.id_value AND o.row_count = g.row_count
    AND (o.first_seen_at = g.first_seen_at OR (o.first_seen_at IS NULL AND g.first_seen_at IS NULL))
    AND (o.last_seen_at = g.last_seen_at OR (o.last_seen_at IS NULL AND g.last_seen_at IS NULL))
);
-- and those whose stored region changes
CREATE OR REPLACE TABLE `identity_work`.`regions_write`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT r.node_id FROM `identity_work`.`redo` r
WHERE r.node_id NOT IN (
  SELECT n.node_id
  FROM `identity_work`.`regions_new` n
  JOIN `identity_state`.`regions` o ON o.node_id = n.node_id
  WHERE o.region = n.region AND o.id_type = n.id_type
);
-- universal ids that are new, merged, split or quarantined since the last run
CREATE OR REPLACE TABLE `identity_work`.`changes`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT CASE
    WHEN p.new_id IS NULL THEN 'quarantine'
    WHEN p.old_id IS NULL THEN 'new'
    WHEN p.old_id IN (SELECT universal_id FROM `identity_work`.`graph`) THEN 'split'
    ELSE 'merge'
  END AS kind,
  p.old_id AS old_universal_id, p.new_id AS new_universal_id, p.moved AS identifiers
FROM (
  SELECT old_id, new_id, COUNT(*) AS moved
  FROM (
    SELECT o.universal_id AS old_id, n.universal_id AS new_id
    FROM `identity_work`.`old_map` o
    FULL OUTER JOIN `identity_work`.`graph` n ON o.node_id = n.node_id
  ) m
  WHERE old_id IS NULL OR new_id IS NULL OR old_id <> new_id
  GROUP BY old_id, new_id
) p
-- identifiers seen for the first time that join a profile which already existed change no id
WHERE NOT (p.old_id IS NULL AND p.new_id IN (SELECT universal_id FROM `identity_work`.`old_map`));
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
CREATE OR REPLACE TABLE `identity_work`.`profiles_region`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
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
CREATE OR REPLACE TABLE `identity_work`.`edges_region`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT ga.universal_id,
  ga.id_type AS id_type_a, ga.id_value AS id_value_a,
  gb.id_type AS id_type_b, gb.id_value AS id_value_b,
  e.row_count, e.first_seen_at, e.last_seen_at, e.sources
FROM `identity_work`.`edges` e
JOIN `identity_work`.`graph` ga ON e.a = ga.node_id
JOIN `identity_work`.`graph` gb ON e.b = gb.node_id
-- one universal id per profile: its anchor's, which no other profile has
WHERE ga.universal_id = gb.universal_id;
-- what was kept out of the graph, and why
CREATE OR REPLACE TABLE `identity`.`id_quarantine__next` AS
SELECT id_type, id_value, reason, evidence, CAST(0 AS INT64) AS run_id
FROM (
  SELECT id_type, id_value, reason, evidence FROM `identity_work`.`qvalues_new`
  UNION ALL SELECT q.id_type, q.id_value, q.reason, q.evidence
FROM `identity`.`id_quarantine` q
WHERE q.reason IN ('limit_conflict', 'anonymous_isolated')
  AND NOT EXISTS (SELECT 1 FROM `identity_work`.`redo` r WHERE r.id_type = q.id_type AND r.id_value = q.id_value)
) q;
-- audience members; those already in keep the time they entered
CREATE OR REPLACE TABLE `identity`.`audience_members__next` AS
SELECT m.audience, m.universal_id, COALESCE(prev.entered_at, CAST(CURRENT_TIMESTAMP() AS TIMESTAMP)) AS entered_at
FROM (
  SELECT CAST(NULL AS STRING) AS audience, CAST(NULL AS STRING) AS universal_id FROM `identity_work`.`profiles_region` WHERE 1 = 0
) m
LEFT JOIN `identity`.`audience_members` prev ON prev.audience = m.audience AND prev.universal_id = m.universal_id
UNION ALL
SELECT audience, universal_id, entered_at FROM `identity`.`audience_members`
WHERE universal_id NOT IN (SELECT universal_id FROM `identity_work`.`redo_ids`);
-- the published links of those profiles that change or go, and the links that are new or changed
CREATE OR REPLACE TABLE `identity_work`.`edges_diff`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT o.universal_id AS s_universal_id, o.id_type_a AS s_id_type_a, o.id_value_a AS s_id_value_a,
  o.id_type_b AS s_id_type_b, o.id_value_b AS s_id_value_b,
  n.*
FROM (SELECT * FROM `identity`.`id_edges` WHERE universal_id IN (SELECT universal_id FROM `identity_work`.`redo_ids`)) o
FULL OUTER JOIN `identity_work`.`edges_region` n
  ON n.universal_id = o.universal_id AND n.id_type_a = o.id_type_a AND n.id_value_a = o.id_value_a
  AND n.id_type_b = o.id_type_b AND n.id_value_b = o.id_value_b
WHERE o.universal_id IS NULL OR n.universal_id IS NULL OR NOT COALESCE(n.row_count = o.row_count AND n.sources = o.sources
  AND (COALESCE(n.first_seen_at = o.first_seen_at, FALSE) OR (n.first_seen_at IS NULL AND o.first_seen_at IS NULL))
  AND (COALESCE(n.last_seen_at = o.last_seen_at, FALSE) OR (n.last_seen_at IS NULL AND o.last_seen_at IS NULL)), FALSE);
