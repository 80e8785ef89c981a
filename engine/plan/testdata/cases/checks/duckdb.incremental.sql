-- idstitch plan: project checks, warehouse duckdb, components by contraction
-- The runner also records each run in the runs table; that bookkeeping is not part of this script, and run_id is 0 in what it writes.

-- ===== stage extract: per source: the rows from the watermark less the lookback, and which of them are new or changed
-- source signups (signups): the rows read again
CREATE OR REPLACE TABLE "identity_work".main."win_signups" AS
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
      WHERE (CAST("ts" AS TIMESTAMP) IS NULL OR CAST("ts" AS TIMESTAMP) >= CAST('2026-10-29 00:00:00' AS TIMESTAMP))
    ) r
  ) v
) s
) e;
-- rows whose count differs from the stored ones
CREATE OR REPLACE TABLE "identity_work".main."changed_signups" AS
SELECT COALESCE(n.row_hash, o.row_hash) AS row_hash, CASE WHEN o.c IS NULL THEN 0 ELSE 1 END AS stored
FROM (SELECT row_hash, COUNT(*) AS c FROM "identity_work".main."win_signups" GROUP BY row_hash) n
FULL OUTER JOIN (
  SELECT row_hash, COUNT(*) AS c FROM "identity_state"."rows_signups" s WHERE (ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) GROUP BY row_hash
) o ON n.row_hash = o.row_hash
WHERE n.c IS NULL OR o.c IS NULL OR n.c <> o.c;
CREATE OR REPLACE TABLE "identity_work".main."ins_signups" AS
SELECT * FROM "identity_work".main."win_signups" WHERE row_hash IN (SELECT row_hash FROM "identity_work".main."changed_signups");
-- the stored rows that this run replaces
CREATE OR REPLACE TABLE "identity_work".main."gone_signups" AS
SELECT row_hash FROM "identity_work".main."changed_signups" WHERE stored = 1;
DROP TABLE IF EXISTS "identity_work".main."changed_signups";
-- their identifiers
CREATE OR REPLACE TABLE "identity_work".main."del_signups" AS
SELECT n1, v1, n2, v2, q1, q2 FROM "identity_state"."rows_signups" WHERE (ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) AND row_hash IN (SELECT row_hash FROM "identity_work".main."gone_signups");

-- ===== stage region: the identifiers the changed rows touch, the hub decisions they change, and the regions to recompute
-- identifiers on rows that are new, changed or gone
CREATE OR REPLACE TABLE "identity_work".main."touched" AS
SELECT DISTINCT node_id, id_type, id_value
FROM (
  SELECT n1 AS node_id, 'email' AS id_type, v1 AS id_value
  FROM "identity_work".main."ins_signups" WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 AS node_id, 'user_id' AS id_type, v2 AS id_value
  FROM "identity_work".main."ins_signups" WHERE n2 IS NOT NULL
  UNION ALL SELECT n1 AS node_id, 'email' AS id_type, v1 AS id_value
  FROM "identity_work".main."del_signups" WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 AS node_id, 'user_id' AS id_type, v2 AS id_value
  FROM "identity_work".main."del_signups" WHERE n2 IS NOT NULL
) t;
-- invalid and blocked values, counted over all rows
CREATE OR REPLACE TABLE "identity_work".main."qvalues_new" AS
SELECT id_type, id_value, reason, CAST(SUM(evidence) AS BIGINT) AS evidence
FROM (
  SELECT id_type, id_value, reason, evidence FROM "identity_state"."qvalues"
  UNION ALL SELECT id_type, id_value, reason, evidence FROM (SELECT id_type, id_value, reason, COUNT(*) AS evidence
FROM (
  SELECT 'email' AS id_type, v1 AS id_value, q1 AS reason
  FROM "identity_work".main."ins_signups" WHERE q1 IS NOT NULL
  UNION ALL SELECT 'user_id' AS id_type, v2 AS id_value, q2 AS reason
  FROM "identity_work".main."ins_signups" WHERE q2 IS NOT NULL
) q
GROUP BY id_type, id_value, reason) p1
  UNION ALL SELECT id_type, id_value, reason, -evidence FROM (SELECT id_type, id_value, reason, COUNT(*) AS evidence
FROM (
  SELECT 'email' AS id_type, v1 AS id_value, q1 AS reason
  FROM "identity_work".main."del_signups" WHERE q1 IS NOT NULL
  UNION ALL SELECT 'user_id' AS id_type, v2 AS id_value, q2 AS reason
  FROM "identity_work".main."del_signups" WHERE q2 IS NOT NULL
) q
GROUP BY id_type, id_value, reason) p2
) q
GROUP BY id_type, id_value, reason
HAVING SUM(evidence) > 0;
DROP TABLE IF EXISTS "identity_work".main."del_signups";
-- touched identifiers, the partners of those whose hub decision flipped, and the regions a changed limit can split
CREATE OR REPLACE TABLE "identity_work".main."seeds" AS
SELECT DISTINCT node_id FROM (
  SELECT node_id FROM "identity_work".main."touched"
) s;
-- every identifier of the regions the seeds are in
CREATE OR REPLACE TABLE "identity_work".main."rnodes" AS
SELECT DISTINCT node_id FROM (
  SELECT node_id FROM "identity_state"."regions"
  WHERE region IN (
    SELECT r.region FROM "identity_state"."regions" r JOIN "identity_work".main."seeds" s ON r.node_id = s.node_id
  )
  UNION ALL
  SELECT node_id FROM "identity_work".main."seeds"
) n;
DROP TABLE IF EXISTS "identity_work".main."seeds";
-- the value of every identifier on the rows of those regions
CREATE OR REPLACE TABLE "identity_work".main."names" AS
SELECT DISTINCT node_id, id_value FROM (
  SELECT node_id, id_value FROM "identity"."id_graph"
  WHERE node_id IN (SELECT node_id FROM "identity_work".main."rnodes")
  UNION ALL
  SELECT CAST(CAST(hash(id_type, id_value) AS HUGEINT) - 9223372036854775808 AS BIGINT) AS node_id, id_value FROM "identity"."id_quarantine"
  WHERE reason IN ('limit_conflict', 'anonymous_isolated')
  UNION ALL
  SELECT node_id, id_value FROM "identity_work".main."touched"
) n;
-- rows of signups in those regions
CREATE OR REPLACE TABLE "identity_work".main."src_signups" AS
-- The stored rows that hold one of the identifiers, less those this run replaces, and the new
-- rows that hold one: filtering by identifier first keeps the costlier test to few rows.
SELECT ts, row_hash, n1, n2 FROM (
  SELECT * FROM "identity_state"."rows_signups" s WHERE s.n1 IN (SELECT node_id FROM "identity_work".main."rnodes") OR s.n2 IN (SELECT node_id FROM "identity_work".main."rnodes")
) s
WHERE NOT ((ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) AND s.row_hash IN (SELECT row_hash FROM "identity_work".main."gone_signups"))
UNION ALL
SELECT ts, row_hash, n1, n2 FROM "identity_work".main."ins_signups" s WHERE s.n1 IN (SELECT node_id FROM "identity_work".main."rnodes") OR s.n2 IN (SELECT node_id FROM "identity_work".main."rnodes");
DROP TABLE IF EXISTS "identity_work".main."rnodes";

-- ===== stage outputs: the recomputed regions' rows of the output tables, and what changed
-- every identifier whose published rows are replaced
CREATE OR REPLACE TABLE "identity_work".main."redo" AS
SELECT DISTINCT node_id, id_type, id_value FROM (SELECT node_id, id_type, id_value FROM "identity_work".main."nodes" UNION ALL SELECT node_id, id_type, id_value FROM "identity_work".main."touched") r;
DROP TABLE IF EXISTS "identity_work".main."nodes";
DROP TABLE IF EXISTS "identity_work".main."touched";
-- their published universal ids
CREATE OR REPLACE TABLE "identity_work".main."old_map" AS
SELECT node_id, universal_id FROM "identity"."id_graph" WHERE node_id IN (SELECT node_id FROM "identity_work".main."redo");
CREATE OR REPLACE TABLE "identity_work".main."redo_ids" AS
SELECT DISTINCT universal_id FROM (SELECT universal_id FROM "identity_work".main."old_map" UNION ALL SELECT universal_id FROM "identity_work".main."graph") u;
-- of those, the identifiers whose published row changes
CREATE OR REPLACE TABLE "identity_work".main."graph_write" AS
SELECT r.node_id FROM "identity_work".main."redo" r
WHERE r.node_id NOT IN (
  SELECT g.node_id
  FROM "identity_work".main."graph" g
  JOIN "identity"."id_graph" o ON o.node_id = g.node_id
  WHERE o.universal_id = g.universal_id AND o.id_type = g.id_type AND o.id_value = g.id_value AND o.row_count = g.row_count
    AND (o.first_seen_at = g.first_seen_at OR (o.first_seen_at IS NULL AND g.first_seen_at IS NULL))
    AND (o.last_seen_at = g.last_seen_at OR (o.last_seen_at IS NULL AND g.last_seen_at IS NULL))
);
-- and those whose stored region changes
CREATE OR REPLACE TABLE "identity_work".main."regions_write" AS
SELECT r.node_id FROM "identity_work".main."redo" r
WHERE r.node_id NOT IN (
  SELECT n.node_id
  FROM "identity_work".main."regions_new" n
  JOIN "identity_state"."regions" o ON o.node_id = n.node_id
  WHERE o.region = n.region AND o.id_type = n.id_type
);
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
    FROM "identity_work".main."old_map" o
    FULL OUTER JOIN "identity_work".main."graph" n ON o.node_id = n.node_id
  ) m
  WHERE old_id IS NULL OR new_id IS NULL OR old_id <> new_id
  GROUP BY old_id, new_id
) p
-- identifiers seen for the first time that join a profile which already existed change no id
WHERE NOT (p.old_id IS NULL AND p.new_id IN (SELECT universal_id FROM "identity_work".main."old_map"));
DROP TABLE IF EXISTS "identity_work".main."old_map";
CREATE OR REPLACE TABLE "identity_work".main."profiles_region" AS
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
DROP TABLE IF EXISTS "identity_work".main."assign";
CREATE OR REPLACE TABLE "identity_work".main."edges_region" AS
SELECT ga.universal_id,
  ga.id_type AS id_type_a, ga.id_value AS id_value_a,
  gb.id_type AS id_type_b, gb.id_value AS id_value_b,
  e.row_count, e.first_seen_at, e.last_seen_at, e.sources
FROM "identity_work".main."edges" e
JOIN "identity_work".main."graph" ga ON e.a = ga.node_id
JOIN "identity_work".main."graph" gb ON e.b = gb.node_id
-- one universal id per profile: its anchor's, which no other profile has
WHERE ga.universal_id = gb.universal_id;
DROP TABLE IF EXISTS "identity_work".main."edges";
-- what was kept out of the graph, and why
CREATE OR REPLACE TABLE "identity"."id_quarantine__next" AS
SELECT id_type, id_value, reason, evidence, CAST(0 AS BIGINT) AS run_id
FROM (
  SELECT id_type, id_value, reason, evidence FROM "identity_work".main."qvalues_new"
  UNION ALL SELECT q.id_type, q.id_value, q.reason, q.evidence
FROM "identity"."id_quarantine" q
WHERE q.reason IN ('limit_conflict', 'anonymous_isolated')
  AND NOT EXISTS (SELECT 1 FROM "identity_work".main."redo" r WHERE r.id_type = q.id_type AND r.id_value = q.id_value)
) q;
-- audience members; those already in keep the time they entered
CREATE OR REPLACE TABLE "identity"."audience_members__next" AS
SELECT m.audience, m.universal_id, COALESCE(prev.entered_at, CAST(current_timestamp AS TIMESTAMP)) AS entered_at
FROM (
  SELECT CAST(NULL AS VARCHAR) AS audience, CAST(NULL AS VARCHAR) AS universal_id FROM "identity_work".main."profiles_region" WHERE 1 = 0
) m
LEFT JOIN "identity"."audience_members" prev ON prev.audience = m.audience AND prev.universal_id = m.universal_id
UNION ALL
SELECT audience, universal_id, entered_at FROM "identity"."audience_members"
WHERE universal_id NOT IN (SELECT universal_id FROM "identity_work".main."redo_ids");
-- the published links of those profiles that change or go, and the links that are new or changed
CREATE OR REPLACE TABLE "identity_work".main."edges_diff" AS
SELECT o.universal_id AS s_universal_id, o.id_type_a AS s_id_type_a, o.id_value_a AS s_id_value_a,
  o.id_type_b AS s_id_type_b, o.id_value_b AS s_id_value_b,
  n.*
FROM (SELECT * FROM "identity"."id_edges" WHERE universal_id IN (SELECT universal_id FROM "identity_work".main."redo_ids")) o
FULL OUTER JOIN "identity_work".main."edges_region" n
  ON n.universal_id = o.universal_id AND n.id_type_a = o.id_type_a AND n.id_value_a = o.id_value_a
  AND n.id_type_b = o.id_type_b AND n.id_value_b = o.id_value_b
WHERE o.universal_id IS NULL OR n.universal_id IS NULL OR NOT COALESCE(n.row_count = o.row_count AND n.sources = o.sources
  AND (COALESCE(n.first_seen_at = o.first_seen_at, FALSE) OR (n.first_seen_at IS NULL AND o.first_seen_at IS NULL))
  AND (COALESCE(n.last_seen_at = o.last_seen_at, FALSE) OR (n.last_seen_at IS NULL AND o.last_seen_at IS NULL)), FALSE);

-- append-only path, taken when this counts 0 after the extract stage:
SELECT 0 + (SELECT COUNT(*) FROM "identity_work".main."gone_signups") AS n;

-- idstitch plan: project checks, warehouse duckdb, components by contraction
-- The runner also records each run in the runs table; that bookkeeping is not part of this script, and run_id is 0 in what it writes.

-- ===== stage guards: values that are invalid or blocked, and hubs, are kept out of the graph
-- identifiers on the batch's rows
CREATE OR REPLACE TABLE "identity_work".main."touched" AS
SELECT DISTINCT node_id, id_type, id_value
FROM (
  SELECT n1 AS node_id, 'email' AS id_type, v1 AS id_value
  FROM "identity_work".main."ins_signups" WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 AS node_id, 'user_id' AS id_type, v2 AS id_value
  FROM "identity_work".main."ins_signups" WHERE n2 IS NOT NULL
  UNION ALL SELECT n1 AS node_id, 'email' AS id_type, v1 AS id_value
  FROM "identity_work".main."del_signups" WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 AS node_id, 'user_id' AS id_type, v2 AS id_value
  FROM "identity_work".main."del_signups" WHERE n2 IS NOT NULL
) t;
-- invalid and blocked values, counted over all rows
CREATE OR REPLACE TABLE "identity_work".main."qvalues_new" AS
SELECT id_type, id_value, reason, CAST(SUM(evidence) AS BIGINT) AS evidence
FROM (
  SELECT id_type, id_value, reason, evidence FROM "identity_state"."qvalues"
  UNION ALL SELECT id_type, id_value, reason, evidence FROM (SELECT id_type, id_value, reason, COUNT(*) AS evidence
FROM (
  SELECT 'email' AS id_type, v1 AS id_value, q1 AS reason
  FROM "identity_work".main."ins_signups" WHERE q1 IS NOT NULL
  UNION ALL SELECT 'user_id' AS id_type, v2 AS id_value, q2 AS reason
  FROM "identity_work".main."ins_signups" WHERE q2 IS NOT NULL
) q
GROUP BY id_type, id_value, reason) p1
  UNION ALL SELECT id_type, id_value, reason, -evidence FROM (SELECT id_type, id_value, reason, COUNT(*) AS evidence
FROM (
  SELECT 'email' AS id_type, v1 AS id_value, q1 AS reason
  FROM "identity_work".main."del_signups" WHERE q1 IS NOT NULL
  UNION ALL SELECT 'user_id' AS id_type, v2 AS id_value, q2 AS reason
  FROM "identity_work".main."del_signups" WHERE q2 IS NOT NULL
) q
GROUP BY id_type, id_value, reason) p2
) q
GROUP BY id_type, id_value, reason
HAVING SUM(evidence) > 0;

-- ===== stage outputs: the rows of the output tables the batch changes, and what changed
-- the batch's identifiers, and those of the profiles whose id changes
CREATE OR REPLACE TABLE "identity_work".main."graph" AS
SELECT a.universal_id, n.id_type, n.id_value,
  CASE WHEN o.first_seen_at IS NULL OR o.first_seen_at > n.first_seen_at THEN n.first_seen_at ELSE o.first_seen_at END AS first_seen_at,
  CASE WHEN o.last_seen_at IS NULL OR o.last_seen_at < n.last_seen_at THEN n.last_seen_at ELSE o.last_seen_at END AS last_seen_at,
  CAST(COALESCE(o.row_count, 0) + n.row_count AS BIGINT) AS row_count, n.node_id, o.universal_id AS old_universal_id
FROM "identity_work".main."nodes" n
JOIN "identity_work".main."app_groups" g ON g.node_id = n.node_id
JOIN "identity_work".main."anchors" a ON a.component = g.grp
LEFT JOIN "identity_work".main."app_old" o ON o.node_id = n.node_id
UNION ALL
SELECT m.new_id AS universal_id, x.id_type, x.id_value, x.first_seen_at, x.last_seen_at, x.row_count, x.node_id, m.old_id AS old_universal_id
FROM "identity"."id_graph" x
JOIN "identity_work".main."app_moves" m ON x.universal_id = m.old_id
WHERE m.old_id <> m.new_id AND x.node_id NOT IN (SELECT node_id FROM "identity_work".main."nodes");
CREATE OR REPLACE TABLE "identity_work".main."redo" AS
SELECT node_id, id_type, id_value FROM "identity_work".main."graph";
-- their published universal ids
CREATE OR REPLACE TABLE "identity_work".main."old_map" AS
SELECT node_id, old_universal_id AS universal_id FROM "identity_work".main."graph" WHERE old_universal_id IS NOT NULL;
-- every row of graph replaces its published one
CREATE OR REPLACE TABLE "identity_work".main."graph_write" AS
SELECT node_id, id_type FROM "identity_work".main."graph";
-- each group's region label: its smallest node id
CREATE OR REPLACE TABLE "identity_work".main."app_labels" AS
SELECT grp, MIN(region) AS region
FROM (
  SELECT grp, region FROM "identity_work".main."app_region_old"
  UNION ALL
  SELECT grp, node_id AS region FROM "identity_work".main."app_groups" WHERE node_id NOT IN (SELECT node_id FROM "identity_work".main."app_old")
) r
GROUP BY grp;
-- the regions rows that change
CREATE OR REPLACE TABLE "identity_work".main."regions_new" AS
SELECT g.node_id, l.region, n.id_type
FROM "identity_work".main."app_groups" g
JOIN "identity_work".main."app_labels" l ON l.grp = g.grp
JOIN "identity_work".main."nodes" n ON n.node_id = g.node_id
UNION ALL
SELECT r.node_id, l.region, r.id_type
FROM "identity_state"."regions" r
JOIN "identity_work".main."app_region_old" o ON r.region = o.region
JOIN "identity_work".main."app_labels" l ON l.grp = o.grp
WHERE o.region <> l.region AND r.node_id NOT IN (SELECT node_id FROM "identity_work".main."nodes");
DROP TABLE IF EXISTS "identity_work".main."app_labels";
DROP TABLE IF EXISTS "identity_work".main."app_region_old";
CREATE OR REPLACE TABLE "identity_work".main."regions_write" AS
SELECT node_id, id_type FROM "identity_work".main."regions_new";
-- the universal ids whose profiles rows are replaced
CREATE OR REPLACE TABLE "identity_work".main."redo_ids" AS
SELECT DISTINCT universal_id FROM (
  SELECT old_id AS universal_id FROM "identity_work".main."app_moves"
  UNION ALL
  SELECT universal_id FROM "identity_work".main."anchors"
) u;
-- one profiles row per group
CREATE OR REPLACE TABLE "identity_work".main."profiles_region" AS
WITH parts AS (
  SELECT m.grp, p.first_seen_at, p.last_seen_at, p.identifiers, p."email_count", p."user_id_count"
  FROM "identity"."profiles" p
  JOIN "identity_work".main."app_moves" m ON p.universal_id = m.old_id
  UNION ALL
  SELECT g.grp, n.first_seen_at, n.last_seen_at, CASE WHEN o.node_id IS NULL THEN 1 ELSE 0 END, CASE WHEN o.node_id IS NULL AND n.id_type = 'email' THEN 1 ELSE 0 END, CASE WHEN o.node_id IS NULL AND n.id_type = 'user_id' THEN 1 ELSE 0 END
  FROM "identity_work".main."nodes" n
  JOIN "identity_work".main."app_groups" g ON g.node_id = n.node_id
  LEFT JOIN "identity_work".main."app_old" o ON o.node_id = n.node_id
), latest AS (
  SELECT grp, id_type, id_value,
    ROW_NUMBER() OVER (PARTITION BY grp, id_type ORDER BY last_seen_at DESC NULLS LAST, id_value DESC) AS pos
  FROM (
    SELECT g.grp, n.id_type, n.id_value,
      CASE WHEN o.last_seen_at IS NULL OR o.last_seen_at < n.last_seen_at THEN n.last_seen_at ELSE o.last_seen_at END AS last_seen_at
    FROM "identity_work".main."nodes" n
    JOIN "identity_work".main."app_groups" g ON g.node_id = n.node_id
    LEFT JOIN "identity_work".main."app_old" o ON o.node_id = n.node_id
    UNION ALL
    SELECT l.grp, x.id_type, x.id_value, x.last_seen_at
    FROM "identity"."id_graph" x
    JOIN (
      SELECT m.old_id, m.grp, 'email' AS id_type, p."latest_email" AS id_value
      FROM "identity"."profiles" p JOIN "identity_work".main."app_moves" m ON p.universal_id = m.old_id
      UNION ALL SELECT m.old_id, m.grp, 'user_id' AS id_type, p."latest_user_id" AS id_value
      FROM "identity"."profiles" p JOIN "identity_work".main."app_moves" m ON p.universal_id = m.old_id
    ) l ON x.universal_id = l.old_id AND x.id_type = l.id_type AND x.id_value = l.id_value
  ) c
)
SELECT a.universal_id, s.first_seen_at, s.last_seen_at, s.identifiers, s."email_count", l."latest_email", s."user_id_count", l."latest_user_id"
FROM (
  SELECT grp, MIN(first_seen_at) AS first_seen_at, MAX(last_seen_at) AS last_seen_at, CAST(SUM(identifiers) AS BIGINT) AS identifiers, CAST(SUM("email_count") AS BIGINT) AS "email_count", CAST(SUM("user_id_count") AS BIGINT) AS "user_id_count"
  FROM parts
  GROUP BY grp
) s
JOIN "identity_work".main."anchors" a ON a.component = s.grp
LEFT JOIN (
  SELECT grp, MAX(CASE WHEN id_type = 'email' THEN id_value END) AS "latest_email", MAX(CASE WHEN id_type = 'user_id' THEN id_value END) AS "latest_user_id"
  FROM latest
  WHERE pos = 1
  GROUP BY grp
) l ON l.grp = s.grp;
-- universal ids that are new or merged since the last run
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
    FROM "identity_work".main."old_map" o
    FULL OUTER JOIN "identity_work".main."graph" n ON o.node_id = n.node_id
  ) m
  WHERE old_id IS NULL OR new_id IS NULL OR old_id <> new_id
  GROUP BY old_id, new_id
) p
-- identifiers seen for the first time that join a profile which already existed change no id
WHERE NOT (p.old_id IS NULL AND p.new_id IN (SELECT universal_id FROM "identity_work".main."old_map"));
-- the links the batch adds, and the published ones it adds to or relabels
CREATE OR REPLACE TABLE "identity_work".main."edges_diff" AS
WITH moved AS (
  SELECT old_id, new_id FROM "identity_work".main."app_moves" WHERE old_id <> new_id
), b AS (
  SELECT a.universal_id, na.id_type AS id_type_a, na.id_value AS id_value_a, nb.id_type AS id_type_b, nb.id_value AS id_value_b,
    e.row_count, e.first_seen_at, e.last_seen_at, e.sources, oa.universal_id AS old_a, ob.universal_id AS old_b
  FROM "identity_work".main."edges" e
  JOIN "identity_work".main."nodes" na ON na.node_id = e.a
  JOIN "identity_work".main."nodes" nb ON nb.node_id = e.b
  JOIN "identity_work".main."app_groups" g ON g.node_id = e.a
  JOIN "identity_work".main."anchors" a ON a.component = g.grp
  LEFT JOIN "identity_work".main."app_old" oa ON oa.node_id = e.a
  LEFT JOIN "identity_work".main."app_old" ob ON ob.node_id = e.b
), kept AS (
  SELECT old_a, id_type_a, id_value_a, id_type_b, id_value_b FROM b
  WHERE old_a = old_b AND old_a NOT IN (SELECT old_id FROM moved)
), o AS (
  -- one pass over the published links
  SELECT p.universal_id, p.id_type_a, p.id_value_a, p.id_type_b, p.id_value_b, p.row_count, p.first_seen_at, p.last_seen_at, p.sources,
    COALESCE(m.new_id, p.universal_id) AS new_id
  FROM "identity"."id_edges" p
  LEFT JOIN moved m ON p.universal_id = m.old_id
  LEFT JOIN kept k ON p.universal_id = k.old_a AND p.id_type_a = k.id_type_a AND p.id_value_a = k.id_value_a
    AND p.id_type_b = k.id_type_b AND p.id_value_b = k.id_value_b
  WHERE m.old_id IS NOT NULL OR k.old_a IS NOT NULL
)
SELECT o.universal_id AS s_universal_id, o.id_type_a AS s_id_type_a, o.id_value_a AS s_id_value_a,
  o.id_type_b AS s_id_type_b, o.id_value_b AS s_id_value_b,
  COALESCE(b.universal_id, o.new_id) AS universal_id,
  COALESCE(b.id_type_a, o.id_type_a) AS id_type_a, COALESCE(b.id_value_a, o.id_value_a) AS id_value_a,
  COALESCE(b.id_type_b, o.id_type_b) AS id_type_b, COALESCE(b.id_value_b, o.id_value_b) AS id_value_b,
  CAST(COALESCE(o.row_count, 0) + COALESCE(b.row_count, 0) AS BIGINT) AS row_count,
  CASE WHEN o.first_seen_at IS NULL OR o.first_seen_at > b.first_seen_at THEN b.first_seen_at ELSE o.first_seen_at END AS first_seen_at,
  CASE WHEN o.last_seen_at IS NULL OR o.last_seen_at < b.last_seen_at THEN b.last_seen_at ELSE o.last_seen_at END AS last_seen_at,
  SUBSTR(('' || CASE WHEN regexp_matches(o.sources, '(^|,)signups(,|$)') OR regexp_matches(b.sources, '(^|,)signups(,|$)') THEN ',signups' ELSE '' END), 2) AS sources
FROM o
FULL OUTER JOIN b ON o.id_type_a = b.id_type_a AND o.id_value_a = b.id_value_a AND o.id_type_b = b.id_type_b AND o.id_value_b = b.id_value_b;
DROP TABLE IF EXISTS "identity_work".main."app_groups";
DROP TABLE IF EXISTS "identity_work".main."app_moves";
DROP TABLE IF EXISTS "identity_work".main."app_old";
-- what was kept out of the graph, and why
CREATE OR REPLACE TABLE "identity"."id_quarantine__next" AS
SELECT id_type, id_value, reason, evidence, CAST(0 AS BIGINT) AS run_id
FROM (
  SELECT id_type, id_value, reason, evidence FROM "identity_work".main."qvalues_new"
  UNION ALL SELECT q.id_type, q.id_value, q.reason, q.evidence
FROM "identity"."id_quarantine" q
WHERE q.reason IN ('limit_conflict', 'anonymous_isolated')
  AND NOT EXISTS (SELECT 1 FROM "identity_work".main."redo" r WHERE r.id_type = q.id_type AND r.id_value = q.id_value)
) q;
-- no audiences: none
CREATE OR REPLACE TABLE "identity"."audience_members__next" AS
SELECT m.audience, m.universal_id, COALESCE(prev.entered_at, CAST(current_timestamp AS TIMESTAMP)) AS entered_at
FROM (
  SELECT CAST(NULL AS VARCHAR) AS audience, CAST(NULL AS VARCHAR) AS universal_id FROM "identity_work".main."profiles_region" WHERE 1 = 0
) m
LEFT JOIN "identity"."audience_members" prev ON prev.audience = m.audience AND prev.universal_id = m.universal_id
UNION ALL
SELECT audience, universal_id, entered_at FROM "identity"."audience_members"
WHERE universal_id NOT IN (SELECT universal_id FROM "identity_work".main."redo_ids");
