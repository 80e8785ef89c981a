-- idstitch plan: project checks, warehouse duckdb, components by contraction
-- The runner also records each run in the runs table; that bookkeeping is not part of this script, and run_id is 0 in what it writes.

-- ===== stage extract: per source: each row's identifiers, normalized and checked, with their node ids
-- source signups (signups), kept as the rows read so far
CREATE OR REPLACE TABLE "identity_state"."rows_signups__next" AS
SELECT e.*, CAST(CAST(hash(ts, v1, q1, v2, q2) AS HUGEINT) - 9223372036854775808 AS BIGINT) AS row_hash
FROM (
SELECT
  ts,
  v1,
  q1,
  CASE WHEN v1 IS NULL OR q1 IS NOT NULL THEN NULL ELSE CAST(CAST(hash('email', v1) AS HUGEINT) - 9223372036854775808 AS BIGINT) END AS n1,
  v2,
  q2,
  CASE WHEN v2 IS NULL OR q2 IS NOT NULL THEN NULL ELSE CAST(CAST(hash('user_id', v2) AS HUGEINT) - 9223372036854775808 AS BIGINT) END AS n2
FROM (
  SELECT
    ts,
    v1,
    CASE WHEN v1 IS NULL THEN NULL WHEN LOWER(v1) IN ('null', 'n/a') THEN 'blocked' WHEN v1 IN ('test@test.com') THEN 'blocked' WHEN regexp_matches(v1, '@example\.com$') THEN 'blocked' WHEN NOT regexp_matches(v1, '^[^@\s]+@[^@\s]+$') THEN 'invalid' END AS q1,
    v2,
    CASE WHEN v2 IS NULL THEN NULL WHEN LOWER(v2) IN ('null', 'n/a') THEN 'blocked' END AS q2
  FROM (
    SELECT
      ts,
      NULLIF(r1, '') AS v1,
      NULLIF(r2, '') AS v2
    FROM (
      SELECT
        CAST("ts" AS TIMESTAMP) AS ts,
        NULLIF(CAST("email" AS VARCHAR), '') AS r1,
        NULLIF(CAST("user_id" AS VARCHAR), '') AS r2
      FROM "signups"
    ) r
  ) v
) s
) e;

-- ===== stage guards: values that are invalid or blocked, and hubs, are kept out of the graph
-- invalid and blocked values
CREATE OR REPLACE TABLE "identity_work".main."quarantine_values" AS
SELECT id_type, id_value, reason, COUNT(*) AS evidence
FROM (
  SELECT 'email' AS id_type, v1 AS id_value, q1 AS reason
  FROM "identity_state"."rows_signups__next" WHERE q1 IS NOT NULL
  UNION ALL SELECT 'user_id' AS id_type, v2 AS id_value, q2 AS reason
  FROM "identity_state"."rows_signups__next" WHERE q2 IS NOT NULL
) q
GROUP BY id_type, id_value, reason;

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
CREATE OR REPLACE TABLE "identity"."profiles__next" AS
SELECT a.universal_id, p.first_seen_at, p.last_seen_at, p.identifiers, p."email_count", p."latest_email", p."user_id_count", p."latest_user_id"
FROM (
  SELECT component,
    MIN(first_seen_at) AS first_seen_at,
    MAX(last_seen_at) AS last_seen_at,
    COUNT(*) AS identifiers,
    COUNT(*) FILTER (WHERE id_type = 'email') AS "email_count",
    arg_max(id_value, (COALESCE(last_seen_at, TIMESTAMP '0001-01-01'), id_value)) FILTER (WHERE id_type = 'email') AS "latest_email",
    COUNT(*) FILTER (WHERE id_type = 'user_id') AS "user_id_count",
    arg_max(id_value, (COALESCE(last_seen_at, TIMESTAMP '0001-01-01'), id_value)) FILTER (WHERE id_type = 'user_id') AS "latest_user_id"
  FROM "identity_work".main."assign"
  GROUP BY component
) p
JOIN "identity_work".main."anchors" a ON p.component = a.component;
DROP TABLE IF EXISTS "identity_work".main."anchors";
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
  SELECT id_type, id_value, reason, evidence FROM "identity_work".main."quarantine_values"
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
SELECT id_type, id_value, reason, evidence FROM "identity_work".main."quarantine_values";
DROP TABLE IF EXISTS "identity_work".main."quarantine_values";
