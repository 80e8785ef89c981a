-- idstitch plan: project checks, warehouse bigquery, components by contraction
-- The runner also records each run in the runs table; that bookkeeping is not part of this script, and run_id is 0 in what it writes.

-- ===== stage extract: per source: each row's identifiers, normalized and checked, with their node ids
-- source signups (signups), kept as the rows read so far
CREATE OR REPLACE TABLE `identity_state`.`rows_signups__next`
PARTITION BY TIMESTAMP_TRUNC(`ts`, MONTH)
CLUSTER BY `row_hash` AS
SELECT e.*, FARM_FINGERPRINT(ARRAY_TO_STRING([CAST(COALESCE(CAST(ts AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(v1 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(q1 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(v2 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(q2 AS STRING), '∅') AS STRING)], '\x1f')) AS row_hash
FROM (
SELECT
  ts,
  v1,
  q1,
  CASE WHEN v1 IS NULL OR q1 IS NOT NULL THEN NULL ELSE FARM_FINGERPRINT(ARRAY_TO_STRING([CAST('email' AS STRING), CAST(v1 AS STRING)], '\x1f')) END AS n1,
  v2,
  q2,
  CASE WHEN v2 IS NULL OR q2 IS NOT NULL THEN NULL ELSE FARM_FINGERPRINT(ARRAY_TO_STRING([CAST('user_id' AS STRING), CAST(v2 AS STRING)], '\x1f')) END AS n2
FROM (
  SELECT
    ts,
    v1,
    CASE WHEN v1 IS NULL THEN NULL WHEN LOWER(v1) IN ('null', 'n/a') THEN 'blocked' WHEN v1 IN ('test@test.com') THEN 'blocked' WHEN REGEXP_CONTAINS(v1, '@example\\.com$') THEN 'blocked' WHEN NOT REGEXP_CONTAINS(v1, '^[^@\\s]+@[^@\\s]+$') THEN 'invalid' END AS q1,
    v2,
    CASE WHEN v2 IS NULL THEN NULL WHEN LOWER(v2) IN ('null', 'n/a') THEN 'blocked' END AS q2
  FROM (
    SELECT
      ts,
      NULLIF(r1, '') AS v1,
      NULLIF(r2, '') AS v2
    FROM (
      SELECT
        CAST(`ts` AS TIMESTAMP) AS ts,
        NULLIF(CAST(`email` AS STRING), '') AS r1,
        NULLIF(CAST(`user_id` AS STRING), '') AS r2
      FROM `signups`
    ) r
  ) v
) s
) e;

-- ===== stage guards: values that are invalid or blocked, and hubs, are kept out of the graph
-- invalid and blocked values
CREATE OR REPLACE TABLE `identity_work`.`quarantine_values`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT id_type, id_value, reason, COUNT(*) AS evidence
FROM (
  SELECT 'email' AS id_type, v1 AS id_value, q1 AS reason
  FROM `identity_state`.`rows_signups__next` WHERE q1 IS NOT NULL
  UNION ALL SELECT 'user_id' AS id_type, v2 AS id_value, q2 AS reason
  FROM `identity_state`.`rows_signups__next` WHERE q2 IS NOT NULL
) q
GROUP BY id_type, id_value, reason;

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
CREATE OR REPLACE TABLE `identity`.`profiles__next`
CLUSTER BY `universal_id` AS
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
    CAST(COALESCE(SUM(CASE WHEN id_type = 'email' THEN n END), 0) AS INT64) AS `email_count`,
    MAX(CASE WHEN id_type = 'email' THEN latest END) AS `latest_email`,
    CAST(COALESCE(SUM(CASE WHEN id_type = 'user_id' THEN n END), 0) AS INT64) AS `user_id_count`,
    MAX(CASE WHEN id_type = 'user_id' THEN latest END) AS `latest_user_id`
  FROM per_type
  GROUP BY component
)
SELECT a.universal_id, p.first_seen_at, p.last_seen_at, p.identifiers, p.`email_count`, p.`latest_email`, p.`user_id_count`, p.`latest_user_id`
FROM per_profile p
JOIN `identity_work`.`anchors` a ON p.component = a.component;
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
  SELECT id_type, id_value, reason, evidence FROM `identity_work`.`quarantine_values`
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
SELECT id_type, id_value, reason, evidence FROM `identity_work`.`quarantine_values`;
-- the changes, kept for the publish
CREATE OR REPLACE TABLE `identity`.`id_changes__next` AS
SELECT * FROM `identity_work`.`changes`;
