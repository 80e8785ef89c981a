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

-- append-only path, taken when this counts 0 after the extract stage:
SELECT 0 + (SELECT COUNT(*) FROM "identity_work"."gone_logins") AS n;

-- idstitch plan: project limit_ties, warehouse postgres, components by contraction
-- The runner also records each run in the runs table; that bookkeeping is not part of this script, and run_id is 0 in what it writes.

-- ===== stage outputs: the rows of the output tables the batch changes, and what changed
-- the batch's identifiers, and those of the profiles whose id changes
DROP TABLE IF EXISTS "identity_work"."graph";
CREATE UNLOGGED TABLE "identity_work"."graph" AS
SELECT a.universal_id, n.id_type, n.id_value,
  CASE WHEN o.first_seen_at IS NULL OR o.first_seen_at > n.first_seen_at THEN n.first_seen_at ELSE o.first_seen_at END AS first_seen_at,
  CASE WHEN o.last_seen_at IS NULL OR o.last_seen_at < n.last_seen_at THEN n.last_seen_at ELSE o.last_seen_at END AS last_seen_at,
  CAST(COALESCE(o.row_count, 0) + n.row_count AS BIGINT) AS row_count, n.node_id, o.universal_id AS old_universal_id
FROM "identity_work"."nodes" n
JOIN "identity_work"."app_groups" g ON g.node_id = n.node_id
JOIN "identity_work"."anchors" a ON a.component = g.grp
LEFT JOIN "identity_work"."app_old" o ON o.node_id = n.node_id
UNION ALL
SELECT m.new_id AS universal_id, x.id_type, x.id_value, x.first_seen_at, x.last_seen_at, x.row_count, x.node_id, m.old_id AS old_universal_id
FROM "identity"."id_graph" x
JOIN "identity_work"."app_moves" m ON x.universal_id = m.old_id
WHERE m.old_id <> m.new_id AND x.node_id NOT IN (SELECT node_id FROM "identity_work"."nodes");
ANALYZE "identity_work"."graph";
DROP TABLE IF EXISTS "identity_work"."redo";
CREATE UNLOGGED TABLE "identity_work"."redo" AS
SELECT node_id, id_type, id_value FROM "identity_work"."graph";
ANALYZE "identity_work"."redo";
-- their published universal ids
DROP TABLE IF EXISTS "identity_work"."old_map";
CREATE UNLOGGED TABLE "identity_work"."old_map" AS
SELECT node_id, old_universal_id AS universal_id FROM "identity_work"."graph" WHERE old_universal_id IS NOT NULL;
ANALYZE "identity_work"."old_map";
-- every row of graph replaces its published one
DROP TABLE IF EXISTS "identity_work"."graph_write";
CREATE UNLOGGED TABLE "identity_work"."graph_write" AS
SELECT node_id, id_type FROM "identity_work"."graph";
ANALYZE "identity_work"."graph_write";
-- each group's region label: its smallest node id
DROP TABLE IF EXISTS "identity_work"."app_labels";
CREATE UNLOGGED TABLE "identity_work"."app_labels" AS
SELECT grp, MIN(region) AS region
FROM (
  SELECT grp, region FROM "identity_work"."app_region_old"
  UNION ALL
  SELECT grp, node_id AS region FROM "identity_work"."app_groups" WHERE node_id NOT IN (SELECT node_id FROM "identity_work"."app_old")
) r
GROUP BY grp;
ANALYZE "identity_work"."app_labels";
-- the regions rows that change
DROP TABLE IF EXISTS "identity_work"."regions_new";
CREATE UNLOGGED TABLE "identity_work"."regions_new" AS
SELECT g.node_id, l.region, n.id_type
FROM "identity_work"."app_groups" g
JOIN "identity_work"."app_labels" l ON l.grp = g.grp
JOIN "identity_work"."nodes" n ON n.node_id = g.node_id
UNION ALL
SELECT r.node_id, l.region, r.id_type
FROM "identity_state"."regions" r
JOIN "identity_work"."app_region_old" o ON r.region = o.region
JOIN "identity_work"."app_labels" l ON l.grp = o.grp
WHERE o.region <> l.region AND r.node_id NOT IN (SELECT node_id FROM "identity_work"."nodes");
ANALYZE "identity_work"."regions_new";
DROP TABLE IF EXISTS "identity_work"."app_labels";
DROP TABLE IF EXISTS "identity_work"."regions_write";
CREATE UNLOGGED TABLE "identity_work"."regions_write" AS
SELECT node_id, id_type FROM "identity_work"."regions_new";
ANALYZE "identity_work"."regions_write";
-- the universal ids whose profiles rows are replaced
DROP TABLE IF EXISTS "identity_work"."redo_ids";
CREATE UNLOGGED TABLE "identity_work"."redo_ids" AS
SELECT DISTINCT universal_id FROM (
  SELECT old_id AS universal_id FROM "identity_work"."app_moves"
  UNION ALL
  SELECT universal_id FROM "identity_work"."anchors"
) u;
ANALYZE "identity_work"."redo_ids";
-- one profiles row per group
DROP TABLE IF EXISTS "identity_work"."profiles_region";
CREATE UNLOGGED TABLE "identity_work"."profiles_region" AS
WITH parts AS (
  SELECT m.grp, p.first_seen_at, p.last_seen_at, p.identifiers, p."user_id_count", p."email_count"
  FROM "identity"."profiles" p
  JOIN "identity_work"."app_moves" m ON p.universal_id = m.old_id
  UNION ALL
  SELECT g.grp, n.first_seen_at, n.last_seen_at, CASE WHEN o.node_id IS NULL THEN 1 ELSE 0 END, CASE WHEN o.node_id IS NULL AND n.id_type = 'user_id' THEN 1 ELSE 0 END, CASE WHEN o.node_id IS NULL AND n.id_type = 'email' THEN 1 ELSE 0 END
  FROM "identity_work"."nodes" n
  JOIN "identity_work"."app_groups" g ON g.node_id = n.node_id
  LEFT JOIN "identity_work"."app_old" o ON o.node_id = n.node_id
), latest AS (
  SELECT grp, id_type, id_value,
    ROW_NUMBER() OVER (PARTITION BY grp, id_type ORDER BY last_seen_at DESC NULLS LAST, id_value COLLATE "C" DESC) AS pos
  FROM (
    SELECT g.grp, n.id_type, n.id_value,
      CASE WHEN o.last_seen_at IS NULL OR o.last_seen_at < n.last_seen_at THEN n.last_seen_at ELSE o.last_seen_at END AS last_seen_at
    FROM "identity_work"."nodes" n
    JOIN "identity_work"."app_groups" g ON g.node_id = n.node_id
    LEFT JOIN "identity_work"."app_old" o ON o.node_id = n.node_id
    UNION ALL
    SELECT l.grp, x.id_type, x.id_value, x.last_seen_at
    FROM "identity"."id_graph" x
    JOIN (
      SELECT m.old_id, m.grp, 'user_id' AS id_type, p."latest_user_id" AS id_value
      FROM "identity"."profiles" p JOIN "identity_work"."app_moves" m ON p.universal_id = m.old_id
      UNION ALL SELECT m.old_id, m.grp, 'email' AS id_type, p."latest_email" AS id_value
      FROM "identity"."profiles" p JOIN "identity_work"."app_moves" m ON p.universal_id = m.old_id
    ) l ON x.universal_id = l.old_id AND x.id_type = l.id_type AND x.id_value = l.id_value
  ) c
)
SELECT a.universal_id, s.first_seen_at, s.last_seen_at, s.identifiers, s."user_id_count", l."latest_user_id", s."email_count", l."latest_email"
FROM (
  SELECT grp, MIN(first_seen_at) AS first_seen_at, MAX(last_seen_at) AS last_seen_at, CAST(SUM(identifiers) AS BIGINT) AS identifiers, CAST(SUM("user_id_count") AS BIGINT) AS "user_id_count", CAST(SUM("email_count") AS BIGINT) AS "email_count"
  FROM parts
  GROUP BY grp
) s
JOIN "identity_work"."anchors" a ON a.component = s.grp
LEFT JOIN (
  SELECT grp, MAX(CASE WHEN id_type = 'user_id' THEN id_value END) AS "latest_user_id", MAX(CASE WHEN id_type = 'email' THEN id_value END) AS "latest_email"
  FROM latest
  WHERE pos = 1
  GROUP BY grp
) l ON l.grp = s.grp;
ANALYZE "identity_work"."profiles_region";
-- universal ids that are new or merged since the last run
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
-- the links the batch adds, and the published ones it adds to or relabels
DROP TABLE IF EXISTS "identity_work"."edges_diff";
CREATE UNLOGGED TABLE "identity_work"."edges_diff" AS
WITH moved AS (
  SELECT old_id, new_id FROM "identity_work"."app_moves" WHERE old_id <> new_id
), b AS (
  SELECT a.universal_id, na.id_type AS id_type_a, na.id_value AS id_value_a, nb.id_type AS id_type_b, nb.id_value AS id_value_b,
    e.row_count, e.first_seen_at, e.last_seen_at, e.sources, oa.universal_id AS old_a, ob.universal_id AS old_b
  FROM "identity_work"."edges" e
  JOIN "identity_work"."nodes" na ON na.node_id = e.a
  JOIN "identity_work"."nodes" nb ON nb.node_id = e.b
  JOIN "identity_work"."app_groups" g ON g.node_id = e.a
  JOIN "identity_work"."anchors" a ON a.component = g.grp
  LEFT JOIN "identity_work"."app_old" oa ON oa.node_id = e.a
  LEFT JOIN "identity_work"."app_old" ob ON ob.node_id = e.b
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
  SUBSTR(('' || CASE WHEN (o.sources ~ '(^|,)logins(,|$)') OR (b.sources ~ '(^|,)logins(,|$)') THEN ',logins' ELSE '' END), 2) AS sources
FROM o
FULL OUTER JOIN b ON o.id_type_a = b.id_type_a AND o.id_value_a = b.id_value_a AND o.id_type_b = b.id_type_b AND o.id_value_b = b.id_value_b;
ANALYZE "identity_work"."edges_diff";
DROP TABLE IF EXISTS "identity_work"."app_moves";
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
) q;
ANALYZE "identity"."id_quarantine__next";
-- no audiences: none
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

-- the append-only path goes on only when this counts 0 after its stage of kind 7, else the run goes on after the extract stage above (the batch merges what a limit must split, or touches a profile a limit split):
SELECT 0
  + (SELECT COUNT(*) FROM (
       SELECT grp, id_type
       FROM (
         SELECT m.grp, 'user_id' AS id_type, p."user_id_count" AS k
         FROM "identity"."profiles" p JOIN "identity_work"."app_prev" m ON p.universal_id = m.old_id
         UNION ALL
         SELECT g.grp, n.id_type, 1 AS k
         FROM "identity_work"."nodes" n
         JOIN "identity_work"."app_groups" g ON g.node_id = n.node_id
         WHERE n.node_id NOT IN (SELECT node_id FROM "identity_work"."app_old")
       ) c
       GROUP BY grp, id_type
       HAVING (id_type = 'user_id' AND SUM(k) > 1)
     ) v)
  + (SELECT COUNT(*) FROM "identity_work"."nodes" n JOIN "identity_state"."regions" r ON r.node_id = n.node_id
     WHERE n.node_id NOT IN (SELECT node_id FROM "identity_work"."app_old"))
  + (SELECT COUNT(*)
     FROM (SELECT region, COUNT(DISTINCT old_id) AS profiles, MAX(old_id) AS old_id FROM "identity_work"."app_region_old" GROUP BY region) x
     JOIN "identity"."profiles" p ON p.universal_id = x.old_id
     JOIN (
       SELECT region, COUNT(*) AS members FROM "identity_state"."regions"
       WHERE region IN (SELECT region FROM "identity_work"."app_region_old")
       GROUP BY region
     ) m ON m.region = x.region
     WHERE x.profiles > 1 OR m.members <> p.identifiers) AS n;
