-- idstitch plan: project limit_ties, warehouse postgres, components by contraction
-- The runner also records each run in the runs table; that bookkeeping is not part of this script, and run_id is 0 in what it writes.

-- ===== stage limit_user_id: at most 1 user_id per profile: split the profiles that hold more
-- profiles over the limit
DROP TABLE IF EXISTS "identity_work"."lim_violating";
CREATE UNLOGGED TABLE "identity_work"."lim_violating" AS
SELECT g.grp
FROM "identity_work"."groups_0" g
JOIN "identity_work"."nodes" n ON g.node_id = n.node_id
WHERE n.id_type = 'user_id'
GROUP BY g.grp
HAVING COUNT(*) > 1;
ANALYZE "identity_work"."lim_violating";
-- their links, both ways
DROP TABLE IF EXISTS "identity_work"."lim_edges";
CREATE UNLOGGED TABLE "identity_work"."lim_edges" AS
SELECT u, v, row_count, last_seen_at
FROM (
  SELECT e.a AS u, e.b AS v, e.row_count, e.last_seen_at, ga.grp AS gu, gb.grp AS gv
  FROM "identity_work"."edges" e
  JOIN "identity_work"."groups_0" ga ON e.a = ga.node_id
  JOIN "identity_work"."groups_0" gb ON e.b = gb.node_id
  UNION ALL
  SELECT e.b AS u, e.a AS v, e.row_count, e.last_seen_at, gb.grp AS gu, ga.grp AS gv
  FROM "identity_work"."edges" e
  JOIN "identity_work"."groups_0" ga ON e.a = ga.node_id
  JOIN "identity_work"."groups_0" gb ON e.b = gb.node_id
) d
WHERE gu = gv AND gu IN (SELECT grp FROM "identity_work"."lim_violating");
ANALYZE "identity_work"."lim_edges";
-- their identifiers of this type are the anchors
DROP TABLE IF EXISTS "identity_work"."lim_seen_0";
CREATE UNLOGGED TABLE "identity_work"."lim_seen_0" AS
SELECT g.node_id AS node, g.node_id AS anchor, 0 AS anchors
FROM "identity_work"."groups_0" g
JOIN "identity_work"."nodes" n ON g.node_id = n.node_id
WHERE n.id_type = 'user_id' AND g.grp IN (SELECT grp FROM "identity_work"."lim_violating");
ANALYZE "identity_work"."lim_seen_0";
DROP TABLE IF EXISTS "identity_work"."lim_front_0";
CREATE UNLOGGED TABLE "identity_work"."lim_front_0" AS
SELECT node, anchor, anchors FROM "identity_work"."lim_seen_0";
ANALYZE "identity_work"."lim_front_0";

-- rounds 1 to 2; the runner stops when the count below reaches 0 (identifiers reached)
-- ring 1: each identifier next to the last ring joins its best anchor (more rows, then more recent, then anchor value)
DROP TABLE IF EXISTS "identity_work"."lim_front_1";
CREATE UNLOGGED TABLE "identity_work"."lim_front_1" AS
SELECT node,
  CASE WHEN anchors > 1 THEN NULL ELSE anchor END AS anchor,
  anchors
FROM (
  SELECT node, anchor,
    COUNT(*) OVER (PARTITION BY node) AS anchors,
    ROW_NUMBER() OVER (PARTITION BY node ORDER BY row_count DESC, last_seen_at DESC NULLS LAST, anchor_value COLLATE "C") AS pos
  FROM (
    SELECT e.v AS node, f.anchor, a.id_value AS anchor_value,
      SUM(e.row_count) AS row_count, MAX(e.last_seen_at) AS last_seen_at
    FROM "identity_work"."lim_edges" e
    JOIN "identity_work"."lim_front_0" f ON e.u = f.node
    JOIN "identity_work"."nodes" a ON f.anchor = a.node_id
    WHERE e.v NOT IN (SELECT node FROM "identity_work"."lim_seen_0")
    GROUP BY e.v, f.anchor, a.id_value
  ) c
) r
WHERE pos = 1;
ANALYZE "identity_work"."lim_front_1";
DROP TABLE IF EXISTS "identity_work"."lim_seen_1";
CREATE UNLOGGED TABLE "identity_work"."lim_seen_1" AS
SELECT node, anchor, anchors FROM "identity_work"."lim_seen_0"
UNION ALL
SELECT node, anchor, anchors FROM "identity_work"."lim_front_1";
ANALYZE "identity_work"."lim_seen_1";
-- ring 2: each identifier next to the last ring joins its best anchor (more rows, then more recent, then anchor value)
DROP TABLE IF EXISTS "identity_work"."lim_front_0";
CREATE UNLOGGED TABLE "identity_work"."lim_front_0" AS
SELECT node,
  CASE WHEN anchors > 1 THEN NULL ELSE anchor END AS anchor,
  anchors
FROM (
  SELECT node, anchor,
    COUNT(*) OVER (PARTITION BY node) AS anchors,
    ROW_NUMBER() OVER (PARTITION BY node ORDER BY row_count DESC, last_seen_at DESC NULLS LAST, anchor_value COLLATE "C") AS pos
  FROM (
    SELECT e.v AS node, f.anchor, a.id_value AS anchor_value,
      SUM(e.row_count) AS row_count, MAX(e.last_seen_at) AS last_seen_at
    FROM "identity_work"."lim_edges" e
    JOIN "identity_work"."lim_front_1" f ON e.u = f.node
    JOIN "identity_work"."nodes" a ON f.anchor = a.node_id
    WHERE e.v NOT IN (SELECT node FROM "identity_work"."lim_seen_1")
    GROUP BY e.v, f.anchor, a.id_value
  ) c
) r
WHERE pos = 1;
ANALYZE "identity_work"."lim_front_0";
DROP TABLE IF EXISTS "identity_work"."lim_seen_0";
CREATE UNLOGGED TABLE "identity_work"."lim_seen_0" AS
SELECT node, anchor, anchors FROM "identity_work"."lim_seen_1"
UNION ALL
SELECT node, anchor, anchors FROM "identity_work"."lim_front_0";
ANALYZE "identity_work"."lim_seen_0";
-- 2 rounds must have been enough
-- check: this count must be 0, else: the loop did not finish in the unrolled rounds; compile with more --rounds
SELECT COUNT(*) FROM "identity_work"."lim_front_0";
-- the refined partition; identifiers no anchor reached stay together
DROP TABLE IF EXISTS "identity_work"."groups_1";
CREATE UNLOGGED TABLE "identity_work"."groups_1" AS
SELECT node_id,
  CASE
    WHEN violating = 0 THEN grp
    WHEN anchor IS NOT NULL THEN anchor
    ELSE MIN(CASE WHEN anchor IS NULL THEN node_id END) OVER (PARTITION BY grp)
  END AS grp
FROM (
  SELECT g.node_id, g.grp, s.anchor,
    CASE WHEN g.grp IN (SELECT grp FROM "identity_work"."lim_violating") THEN 1 ELSE 0 END AS violating
  FROM "identity_work"."groups_0" g
  LEFT JOIN "identity_work"."lim_seen_0" s ON g.node_id = s.node
  WHERE s.node IS NULL OR s.anchor IS NOT NULL
) x;
ANALYZE "identity_work"."groups_1";
-- identifiers equally near several anchors (policy.limit_ties: isolate)
DROP TABLE IF EXISTS "identity_work"."conflicts_user_id";
CREATE UNLOGGED TABLE "identity_work"."conflicts_user_id" AS
SELECT node AS node_id, anchors FROM "identity_work"."lim_seen_0" WHERE anchor IS NULL;
ANALYZE "identity_work"."conflicts_user_id";
DROP TABLE IF EXISTS "identity_work"."groups_0";
DROP TABLE IF EXISTS "identity_work"."lim_edges";
DROP TABLE IF EXISTS "identity_work"."lim_front_0";
DROP TABLE IF EXISTS "identity_work"."lim_front_1";
DROP TABLE IF EXISTS "identity_work"."lim_seen_0";
DROP TABLE IF EXISTS "identity_work"."lim_seen_1";
DROP TABLE IF EXISTS "identity_work"."lim_violating";

-- ===== stage outputs: the recomputed regions' rows of the output tables, and what changed
-- every identifier whose published rows are replaced
DROP TABLE IF EXISTS "identity_work"."redo";
CREATE UNLOGGED TABLE "identity_work"."redo" AS
SELECT DISTINCT node_id, id_type, id_value FROM (SELECT node_id, id_type, id_value FROM "identity_work"."nodes" UNION ALL SELECT node_id, id_type, id_value FROM "identity_work"."touched") r;
ANALYZE "identity_work"."redo";
DROP TABLE IF EXISTS "identity_work"."touched";
-- their published universal ids
DROP TABLE IF EXISTS "identity_work"."old_map";
CREATE UNLOGGED TABLE "identity_work"."old_map" AS
SELECT node_id, universal_id FROM "identity"."id_graph" WHERE node_id IN (SELECT node_id FROM "identity_work"."redo");
ANALYZE "identity_work"."old_map";
DROP TABLE IF EXISTS "identity_work"."redo_ids";
CREATE UNLOGGED TABLE "identity_work"."redo_ids" AS
SELECT DISTINCT universal_id FROM (SELECT universal_id FROM "identity_work"."old_map" UNION ALL SELECT universal_id FROM "identity_work"."graph") u;
ANALYZE "identity_work"."redo_ids";
-- of those, the identifiers whose published row changes
DROP TABLE IF EXISTS "identity_work"."graph_write";
CREATE UNLOGGED TABLE "identity_work"."graph_write" AS
SELECT r.node_id FROM "identity_work"."redo" r
WHERE r.node_id NOT IN (
  SELECT g.node_id
  FROM "identity_work"."graph" g
  JOIN "identity"."id_graph" o ON o.node_id = g.node_id
  WHERE o.universal_id = g.universal_id AND o.id_type = g.id_type AND o.id_value = g.id_value AND o.row_count = g.row_count
    AND (o.first_seen_at = g.first_seen_at OR (o.first_seen_at IS NULL AND g.first_seen_at IS NULL))
    AND (o.last_seen_at = g.last_seen_at OR (o.last_seen_at IS NULL AND g.last_seen_at IS NULL))
);
ANALYZE "identity_work"."graph_write";
-- and those whose stored region changes
DROP TABLE IF EXISTS "identity_work"."regions_write";
CREATE UNLOGGED TABLE "identity_work"."regions_write" AS
SELECT r.node_id FROM "identity_work"."redo" r
WHERE r.node_id NOT IN (
  SELECT n.node_id
  FROM "identity_work"."regions_new" n
  JOIN "identity_state"."regions" o ON o.node_id = n.node_id
  WHERE o.region = n.region AND o.id_type = n.id_type
);
ANALYZE "identity_work"."regions_write";
-- universal ids that are new, merged, split or quarantined since the last run
DROP TABLE IF EXISTS "identity_work"."changes";
CREATE UNLOGGED TABLE "identity_work"."changes" AS
SELECT CASE
    WHEN p.new_id IS NULL THEN 'quarantine'
    WHEN p.old_id IS NULL THEN 'new'
    WHEN p.old_id IN (SELECT universal_id FROM "identity_work"."graph") THEN 'split'
    ELSE 'merge'
  END AS kind,
  p.old_id AS old_universal_id, p.new_id AS new_universal_id, p.moved AS identifiers
FROM (
  SELECT old_id, new_id, COUNT(*) AS moved
  FROM (
    SELECT o.universal_id AS old_id, n.universal_id AS new_id
    FROM "identity_work"."old_map" o
    FULL OUTER JOIN "identity_work"."graph" n ON o.node_id = n.node_id
  ) m
  WHERE old_id IS NULL OR new_id IS NULL OR old_id <> new_id
  GROUP BY old_id, new_id
) p
-- identifiers seen for the first time that join a profile which already existed change no id
WHERE NOT (p.old_id IS NULL AND p.new_id IN (SELECT universal_id FROM "identity_work"."old_map"));
ANALYZE "identity_work"."changes";
DROP TABLE IF EXISTS "identity_work"."old_map";
DROP TABLE IF EXISTS "identity_work"."profiles_region";
CREATE UNLOGGED TABLE "identity_work"."profiles_region" AS
WITH ranked AS (
  SELECT component, id_type, id_value, first_seen_at, last_seen_at,
    ROW_NUMBER() OVER (PARTITION BY component, id_type ORDER BY last_seen_at DESC NULLS LAST, id_value COLLATE "C" DESC) AS pos
  FROM "identity_work"."assign"
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
    CAST(COALESCE(SUM(CASE WHEN id_type = 'user_id' THEN n END), 0) AS BIGINT) AS "user_id_count",
    MAX(CASE WHEN id_type = 'user_id' THEN latest END) AS "latest_user_id",
    CAST(COALESCE(SUM(CASE WHEN id_type = 'email' THEN n END), 0) AS BIGINT) AS "email_count",
    MAX(CASE WHEN id_type = 'email' THEN latest END) AS "latest_email"
  FROM per_type
  GROUP BY component
)
SELECT a.universal_id, p.first_seen_at, p.last_seen_at, p.identifiers, p."user_id_count", p."latest_user_id", p."email_count", p."latest_email"
FROM per_profile p
JOIN "identity_work"."anchors" a ON p.component = a.component;
ANALYZE "identity_work"."profiles_region";
DROP TABLE IF EXISTS "identity_work"."anchors";
DROP TABLE IF EXISTS "identity_work"."assign";
DROP TABLE IF EXISTS "identity_work"."edges_region";
CREATE UNLOGGED TABLE "identity_work"."edges_region" AS
SELECT ga.universal_id,
  ga.id_type AS id_type_a, ga.id_value AS id_value_a,
  gb.id_type AS id_type_b, gb.id_value AS id_value_b,
  e.row_count, e.first_seen_at, e.last_seen_at, e.sources
FROM "identity_work"."edges" e
JOIN "identity_work"."graph" ga ON e.a = ga.node_id
JOIN "identity_work"."graph" gb ON e.b = gb.node_id
-- one universal id per profile: its anchor's, which no other profile has
WHERE ga.universal_id = gb.universal_id;
ANALYZE "identity_work"."edges_region";
DROP TABLE IF EXISTS "identity_work"."edges";
-- what was kept out of the graph, and why
DROP TABLE IF EXISTS "identity"."id_quarantine__next";
CREATE TABLE "identity"."id_quarantine__next" AS
SELECT id_type, id_value, reason, evidence, CAST(0 AS BIGINT) AS run_id
FROM (
  SELECT id_type, id_value, reason, evidence FROM "identity_work"."qvalues_new"
  UNION ALL SELECT q.id_type, q.id_value, q.reason, q.evidence
FROM "identity"."id_quarantine" q
WHERE q.reason IN ('limit_conflict', 'anonymous_isolated')
  AND NOT EXISTS (SELECT 1 FROM "identity_work"."redo" r WHERE r.id_type = q.id_type AND r.id_value = q.id_value)
  UNION ALL SELECT n.id_type, n.id_value, 'limit_conflict' AS reason, CAST(q.anchors AS BIGINT) AS evidence
FROM "identity_work"."conflicts_user_id" q JOIN "identity_work"."nodes" n ON q.node_id = n.node_id
) q;
ANALYZE "identity"."id_quarantine__next";
DROP TABLE IF EXISTS "identity_work"."conflicts_user_id";
DROP TABLE IF EXISTS "identity_work"."nodes";
-- audience members; those already in keep the time they entered
DROP TABLE IF EXISTS "identity"."audience_members__next";
CREATE TABLE "identity"."audience_members__next" AS
SELECT m.audience, m.universal_id, COALESCE(prev.entered_at, CAST(LOCALTIMESTAMP AS TIMESTAMP)) AS entered_at
FROM (
  SELECT CAST(NULL AS TEXT) AS audience, CAST(NULL AS TEXT) AS universal_id FROM "identity_work"."profiles_region" WHERE 1 = 0
) m
LEFT JOIN "identity"."audience_members" prev ON prev.audience = m.audience AND prev.universal_id = m.universal_id
UNION ALL
SELECT audience, universal_id, entered_at FROM "identity"."audience_members"
WHERE universal_id NOT IN (SELECT universal_id FROM "identity_work"."redo_ids");
ANALYZE "identity"."audience_members__next";
-- the published links of those profiles that change or go, and the links that are new or changed
DROP TABLE IF EXISTS "identity_work"."edges_diff";
CREATE UNLOGGED TABLE "identity_work"."edges_diff" AS
SELECT o.universal_id AS s_universal_id, o.id_type_a AS s_id_type_a, o.id_value_a AS s_id_value_a,
  o.id_type_b AS s_id_type_b, o.id_value_b AS s_id_value_b,
  n.*
FROM (SELECT * FROM "identity"."id_edges" WHERE universal_id IN (SELECT universal_id FROM "identity_work"."redo_ids")) o
FULL OUTER JOIN "identity_work"."edges_region" n
  ON n.universal_id = o.universal_id AND n.id_type_a = o.id_type_a AND n.id_value_a = o.id_value_a
  AND n.id_type_b = o.id_type_b AND n.id_value_b = o.id_value_b
WHERE o.universal_id IS NULL OR n.universal_id IS NULL OR NOT COALESCE(n.row_count = o.row_count AND n.sources = o.sources
  AND (COALESCE(n.first_seen_at = o.first_seen_at, FALSE) OR (n.first_seen_at IS NULL AND o.first_seen_at IS NULL))
  AND (COALESCE(n.last_seen_at = o.last_seen_at, FALSE) OR (n.last_seen_at IS NULL AND o.last_seen_at IS NULL)), FALSE);
ANALYZE "identity_work"."edges_diff";
