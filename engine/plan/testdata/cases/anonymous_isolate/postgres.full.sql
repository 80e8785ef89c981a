-- idstitch plan: project anonymous_isolate, warehouse postgres, components by contraction
-- The runner also records each run in the runs table; that bookkeeping is not part of this script, and run_id is 0 in what it writes.

-- ===== stage components: connected components by randomised contraction
-- round 0: the graph's edges
DROP TABLE IF EXISTS "identity_work"."cc_edges_0";
CREATE UNLOGGED TABLE "identity_work"."cc_edges_0" AS
SELECT e.a, e.b FROM "identity_work"."edges" e
JOIN "identity_work"."nodes" na ON e.a = na.node_id
JOIN "identity_work"."nodes" nb ON e.b = nb.node_id
WHERE na.id_type NOT IN ('anonymous_id')
  AND nb.id_type NOT IN ('anonymous_id');
ANALYZE "identity_work"."cc_edges_0";

-- rounds 1 to 2; the runner stops when the count below reaches 0 (edges left)
-- round 1: every node picks the neighbour (or itself) with the smallest hash
DROP TABLE IF EXISTS "identity_work"."cc_map_1";
CREATE UNLOGGED TABLE "identity_work"."cc_map_1" AS
SELECT v, (MIN(ARRAY[hashint8extended(u, 1), u]))[2] AS rep
FROM (
  SELECT a AS v, b AS u FROM "identity_work"."cc_edges_0"
  UNION ALL SELECT b AS v, a AS u FROM "identity_work"."cc_edges_0"
  UNION ALL SELECT a AS v, a AS u FROM "identity_work"."cc_edges_0"
  UNION ALL SELECT b AS v, b AS u FROM "identity_work"."cc_edges_0"
) n
GROUP BY v;
ANALYZE "identity_work"."cc_map_1";
-- round 1: rewrite edges onto representatives; drop self-loops
DROP TABLE IF EXISTS "identity_work"."cc_edges_1";
CREATE UNLOGGED TABLE "identity_work"."cc_edges_1" AS
SELECT DISTINCT LEAST(ma.rep, mb.rep) AS a, GREATEST(ma.rep, mb.rep) AS b
FROM "identity_work"."cc_edges_0" e
JOIN "identity_work"."cc_map_1" ma ON e.a = ma.v
JOIN "identity_work"."cc_map_1" mb ON e.b = mb.v
WHERE ma.rep <> mb.rep;
ANALYZE "identity_work"."cc_edges_1";
-- round 2: every node picks the neighbour (or itself) with the smallest hash
DROP TABLE IF EXISTS "identity_work"."cc_map_2";
CREATE UNLOGGED TABLE "identity_work"."cc_map_2" AS
SELECT v, (MIN(ARRAY[hashint8extended(u, 2), u]))[2] AS rep
FROM (
  SELECT a AS v, b AS u FROM "identity_work"."cc_edges_1"
  UNION ALL SELECT b AS v, a AS u FROM "identity_work"."cc_edges_1"
  UNION ALL SELECT a AS v, a AS u FROM "identity_work"."cc_edges_1"
  UNION ALL SELECT b AS v, b AS u FROM "identity_work"."cc_edges_1"
) n
GROUP BY v;
ANALYZE "identity_work"."cc_map_2";
-- round 2: rewrite edges onto representatives; drop self-loops (in place of the edges of round 0)
DROP TABLE IF EXISTS "identity_work"."cc_edges_0";
CREATE UNLOGGED TABLE "identity_work"."cc_edges_0" AS
SELECT DISTINCT LEAST(ma.rep, mb.rep) AS a, GREATEST(ma.rep, mb.rep) AS b
FROM "identity_work"."cc_edges_1" e
JOIN "identity_work"."cc_map_2" ma ON e.a = ma.v
JOIN "identity_work"."cc_map_2" mb ON e.b = mb.v
WHERE ma.rep <> mb.rep;
ANALYZE "identity_work"."cc_edges_0";
-- 2 rounds must have been enough
-- check: this count must be 0, else: the loop did not finish in the unrolled rounds; compile with more --rounds
SELECT COUNT(*) FROM "identity_work"."cc_edges_0";
-- compose the 2 round maps, last to first, and label each component with its smallest node id, whatever the random choices
DROP TABLE IF EXISTS "identity_work"."labels";
CREATE UNLOGGED TABLE "identity_work"."labels" AS
WITH
r2 AS (
  SELECT v, rep FROM "identity_work"."cc_map_2"
),
r1 AS (
  SELECT m.v, COALESCE(l.rep, m.rep) AS rep
  FROM "identity_work"."cc_map_1" m
  LEFT JOIN r2 l ON m.rep = l.v
)
SELECT v AS node_id, MIN(v) OVER (PARTITION BY rep) AS component
FROM r1;
ANALYZE "identity_work"."labels";
DROP TABLE IF EXISTS "identity_work"."cc_edges_0";
DROP TABLE IF EXISTS "identity_work"."cc_edges_1";
DROP TABLE IF EXISTS "identity_work"."cc_map_1";
DROP TABLE IF EXISTS "identity_work"."cc_map_2";
-- the partition that the limits and policies below refine
DROP TABLE IF EXISTS "identity_work"."groups_0";
CREATE UNLOGGED TABLE "identity_work"."groups_0" AS
SELECT n.node_id, COALESCE(l.component, n.node_id) AS grp
FROM "identity_work"."nodes" n
LEFT JOIN "identity_work"."labels" l ON n.node_id = l.node_id
WHERE 1 = 1
  AND n.id_type NOT IN ('anonymous_id');
ANALYZE "identity_work"."groups_0";
DROP TABLE IF EXISTS "identity_work"."labels";

-- ===== stage anonymous: policy isolate: clusters of anonymous identifiers join the one known profile they touch, or none
-- round 0: the graph's edges
DROP TABLE IF EXISTS "identity_work"."ac_edges_0";
CREATE UNLOGGED TABLE "identity_work"."ac_edges_0" AS
SELECT e.a, e.b FROM "identity_work"."edges" e
JOIN "identity_work"."nodes" na ON e.a = na.node_id
JOIN "identity_work"."nodes" nb ON e.b = nb.node_id
WHERE na.id_type IN ('anonymous_id')
  AND nb.id_type IN ('anonymous_id');
ANALYZE "identity_work"."ac_edges_0";

-- rounds 1 to 2; the runner stops when the count below reaches 0 (edges left)
-- round 1: every node picks the neighbour (or itself) with the smallest hash
DROP TABLE IF EXISTS "identity_work"."ac_map_1";
CREATE UNLOGGED TABLE "identity_work"."ac_map_1" AS
SELECT v, (MIN(ARRAY[hashint8extended(u, 1), u]))[2] AS rep
FROM (
  SELECT a AS v, b AS u FROM "identity_work"."ac_edges_0"
  UNION ALL SELECT b AS v, a AS u FROM "identity_work"."ac_edges_0"
  UNION ALL SELECT a AS v, a AS u FROM "identity_work"."ac_edges_0"
  UNION ALL SELECT b AS v, b AS u FROM "identity_work"."ac_edges_0"
) n
GROUP BY v;
ANALYZE "identity_work"."ac_map_1";
-- round 1: rewrite edges onto representatives; drop self-loops
DROP TABLE IF EXISTS "identity_work"."ac_edges_1";
CREATE UNLOGGED TABLE "identity_work"."ac_edges_1" AS
SELECT DISTINCT LEAST(ma.rep, mb.rep) AS a, GREATEST(ma.rep, mb.rep) AS b
FROM "identity_work"."ac_edges_0" e
JOIN "identity_work"."ac_map_1" ma ON e.a = ma.v
JOIN "identity_work"."ac_map_1" mb ON e.b = mb.v
WHERE ma.rep <> mb.rep;
ANALYZE "identity_work"."ac_edges_1";
-- round 2: every node picks the neighbour (or itself) with the smallest hash
DROP TABLE IF EXISTS "identity_work"."ac_map_2";
CREATE UNLOGGED TABLE "identity_work"."ac_map_2" AS
SELECT v, (MIN(ARRAY[hashint8extended(u, 2), u]))[2] AS rep
FROM (
  SELECT a AS v, b AS u FROM "identity_work"."ac_edges_1"
  UNION ALL SELECT b AS v, a AS u FROM "identity_work"."ac_edges_1"
  UNION ALL SELECT a AS v, a AS u FROM "identity_work"."ac_edges_1"
  UNION ALL SELECT b AS v, b AS u FROM "identity_work"."ac_edges_1"
) n
GROUP BY v;
ANALYZE "identity_work"."ac_map_2";
-- round 2: rewrite edges onto representatives; drop self-loops (in place of the edges of round 0)
DROP TABLE IF EXISTS "identity_work"."ac_edges_0";
CREATE UNLOGGED TABLE "identity_work"."ac_edges_0" AS
SELECT DISTINCT LEAST(ma.rep, mb.rep) AS a, GREATEST(ma.rep, mb.rep) AS b
FROM "identity_work"."ac_edges_1" e
JOIN "identity_work"."ac_map_2" ma ON e.a = ma.v
JOIN "identity_work"."ac_map_2" mb ON e.b = mb.v
WHERE ma.rep <> mb.rep;
ANALYZE "identity_work"."ac_edges_0";
-- 2 rounds must have been enough
-- check: this count must be 0, else: the loop did not finish in the unrolled rounds; compile with more --rounds
SELECT COUNT(*) FROM "identity_work"."ac_edges_0";
-- compose the 2 round maps, last to first, and label each component with its smallest node id, whatever the random choices
DROP TABLE IF EXISTS "identity_work"."anon_labels";
CREATE UNLOGGED TABLE "identity_work"."anon_labels" AS
WITH
r2 AS (
  SELECT v, rep FROM "identity_work"."ac_map_2"
),
r1 AS (
  SELECT m.v, COALESCE(l.rep, m.rep) AS rep
  FROM "identity_work"."ac_map_1" m
  LEFT JOIN r2 l ON m.rep = l.v
)
SELECT v AS node_id, MIN(v) OVER (PARTITION BY rep) AS component
FROM r1;
ANALYZE "identity_work"."anon_labels";
DROP TABLE IF EXISTS "identity_work"."ac_edges_0";
DROP TABLE IF EXISTS "identity_work"."ac_edges_1";
DROP TABLE IF EXISTS "identity_work"."ac_map_1";
DROP TABLE IF EXISTS "identity_work"."ac_map_2";
-- clusters of linked anonymous identifiers
DROP TABLE IF EXISTS "identity_work"."anon_clusters";
CREATE UNLOGGED TABLE "identity_work"."anon_clusters" AS
SELECT n.node_id, COALESCE(l.component, n.node_id) AS cluster
FROM "identity_work"."nodes" n
LEFT JOIN "identity_work"."anon_labels" l ON n.node_id = l.node_id
WHERE n.id_type IN ('anonymous_id');
ANALYZE "identity_work"."anon_clusters";
DROP TABLE IF EXISTS "identity_work"."anon_labels";
-- the known profiles each cluster touches
DROP TABLE IF EXISTS "identity_work"."anon_touch";
CREATE UNLOGGED TABLE "identity_work"."anon_touch" AS
SELECT c.cluster, COUNT(DISTINCT g.grp) AS profiles, MIN(g.grp) AS grp
FROM (
  SELECT a AS x, b AS y FROM "identity_work"."edges"
  UNION ALL SELECT b AS x, a AS y FROM "identity_work"."edges"
) e
JOIN "identity_work"."anon_clusters" c ON e.x = c.node_id
JOIN "identity_work"."groups_0" g ON e.y = g.node_id
GROUP BY c.cluster;
ANALYZE "identity_work"."anon_touch";
-- clusters touching more than one known profile join none
DROP TABLE IF EXISTS "identity_work"."anon_isolated";
CREATE UNLOGGED TABLE "identity_work"."anon_isolated" AS
SELECT c.node_id, t.profiles
FROM "identity_work"."anon_clusters" c
JOIN "identity_work"."anon_touch" t ON c.cluster = t.cluster
WHERE t.profiles > 1;
ANALYZE "identity_work"."anon_isolated";
DROP TABLE IF EXISTS "identity_work"."groups_final";
CREATE UNLOGGED TABLE "identity_work"."groups_final" AS
SELECT node_id, grp FROM "identity_work"."groups_0"
UNION ALL
SELECT c.node_id, COALESCE(t.grp, c.cluster) AS grp
FROM "identity_work"."anon_clusters" c
LEFT JOIN "identity_work"."anon_touch" t ON c.cluster = t.cluster
WHERE COALESCE(t.profiles, 0) <= 1;
ANALYZE "identity_work"."groups_final";
DROP TABLE IF EXISTS "identity_work"."anon_clusters";
DROP TABLE IF EXISTS "identity_work"."anon_touch";
DROP TABLE IF EXISTS "identity_work"."groups_0";

-- ===== stage regions: regions: components of all links, the unit that incremental runs recompute
-- round 0: the graph's edges
DROP TABLE IF EXISTS "identity_work"."rc_edges_0";
CREATE UNLOGGED TABLE "identity_work"."rc_edges_0" AS
SELECT e.a, e.b FROM "identity_work"."edges" e;
ANALYZE "identity_work"."rc_edges_0";

-- rounds 1 to 2; the runner stops when the count below reaches 0 (edges left)
-- round 1: every node picks the neighbour (or itself) with the smallest hash
DROP TABLE IF EXISTS "identity_work"."rc_map_1";
CREATE UNLOGGED TABLE "identity_work"."rc_map_1" AS
SELECT v, (MIN(ARRAY[hashint8extended(u, 1), u]))[2] AS rep
FROM (
  SELECT a AS v, b AS u FROM "identity_work"."rc_edges_0"
  UNION ALL SELECT b AS v, a AS u FROM "identity_work"."rc_edges_0"
  UNION ALL SELECT a AS v, a AS u FROM "identity_work"."rc_edges_0"
  UNION ALL SELECT b AS v, b AS u FROM "identity_work"."rc_edges_0"
) n
GROUP BY v;
ANALYZE "identity_work"."rc_map_1";
-- round 1: rewrite edges onto representatives; drop self-loops
DROP TABLE IF EXISTS "identity_work"."rc_edges_1";
CREATE UNLOGGED TABLE "identity_work"."rc_edges_1" AS
SELECT DISTINCT LEAST(ma.rep, mb.rep) AS a, GREATEST(ma.rep, mb.rep) AS b
FROM "identity_work"."rc_edges_0" e
JOIN "identity_work"."rc_map_1" ma ON e.a = ma.v
JOIN "identity_work"."rc_map_1" mb ON e.b = mb.v
WHERE ma.rep <> mb.rep;
ANALYZE "identity_work"."rc_edges_1";
-- round 2: every node picks the neighbour (or itself) with the smallest hash
DROP TABLE IF EXISTS "identity_work"."rc_map_2";
CREATE UNLOGGED TABLE "identity_work"."rc_map_2" AS
SELECT v, (MIN(ARRAY[hashint8extended(u, 2), u]))[2] AS rep
FROM (
  SELECT a AS v, b AS u FROM "identity_work"."rc_edges_1"
  UNION ALL SELECT b AS v, a AS u FROM "identity_work"."rc_edges_1"
  UNION ALL SELECT a AS v, a AS u FROM "identity_work"."rc_edges_1"
  UNION ALL SELECT b AS v, b AS u FROM "identity_work"."rc_edges_1"
) n
GROUP BY v;
ANALYZE "identity_work"."rc_map_2";
-- round 2: rewrite edges onto representatives; drop self-loops (in place of the edges of round 0)
DROP TABLE IF EXISTS "identity_work"."rc_edges_0";
CREATE UNLOGGED TABLE "identity_work"."rc_edges_0" AS
SELECT DISTINCT LEAST(ma.rep, mb.rep) AS a, GREATEST(ma.rep, mb.rep) AS b
FROM "identity_work"."rc_edges_1" e
JOIN "identity_work"."rc_map_2" ma ON e.a = ma.v
JOIN "identity_work"."rc_map_2" mb ON e.b = mb.v
WHERE ma.rep <> mb.rep;
ANALYZE "identity_work"."rc_edges_0";
-- 2 rounds must have been enough
-- check: this count must be 0, else: the loop did not finish in the unrolled rounds; compile with more --rounds
SELECT COUNT(*) FROM "identity_work"."rc_edges_0";
-- compose the 2 round maps, last to first, and label each component with its smallest node id, whatever the random choices
DROP TABLE IF EXISTS "identity_work"."region_labels";
CREATE UNLOGGED TABLE "identity_work"."region_labels" AS
WITH
r2 AS (
  SELECT v, rep FROM "identity_work"."rc_map_2"
),
r1 AS (
  SELECT m.v, COALESCE(l.rep, m.rep) AS rep
  FROM "identity_work"."rc_map_1" m
  LEFT JOIN r2 l ON m.rep = l.v
)
SELECT v AS node_id, MIN(v) OVER (PARTITION BY rep) AS component
FROM r1;
ANALYZE "identity_work"."region_labels";
DROP TABLE IF EXISTS "identity_work"."rc_edges_0";
DROP TABLE IF EXISTS "identity_work"."rc_edges_1";
DROP TABLE IF EXISTS "identity_work"."rc_map_1";
DROP TABLE IF EXISTS "identity_work"."rc_map_2";

-- ===== stage ids: one universal id per profile, from its anchor identifier
-- every identifier in the graph with its profile
DROP TABLE IF EXISTS "identity_work"."assign";
CREATE UNLOGGED TABLE "identity_work"."assign" AS
SELECT n.node_id, n.id_type, n.id_value, n.type_rank, n.first_seen_at, n.last_seen_at, n.row_count,
  g.grp AS component
FROM "identity_work"."nodes" n
JOIN "identity_work"."groups_final" g ON n.node_id = g.node_id;
ANALYZE "identity_work"."assign";
DROP TABLE IF EXISTS "identity_work"."groups_final";
-- anchor: earliest first_seen, then type priority, then value
DROP TABLE IF EXISTS "identity_work"."anchors";
CREATE UNLOGGED TABLE "identity_work"."anchors" AS
SELECT component, id_type AS anchor_type, id_value AS anchor_value,
  md5(('anonymous_isolate' || '|' || id_type || '|' || id_value)) AS universal_id
FROM (
  SELECT component, id_type, id_value,
    ROW_NUMBER() OVER (PARTITION BY component ORDER BY first_seen_at ASC NULLS LAST, type_rank, id_value COLLATE "C") AS pos
  FROM "identity_work"."assign"
) a
WHERE pos = 1;
ANALYZE "identity_work"."anchors";
-- every identifier with its universal id: the next id_graph
DROP TABLE IF EXISTS "identity"."id_graph__next";
CREATE TABLE "identity"."id_graph__next" AS
SELECT a.universal_id, n.id_type, n.id_value, n.first_seen_at, n.last_seen_at, n.row_count, n.node_id
FROM "identity_work"."assign" n
JOIN "identity_work"."anchors" a ON n.component = a.component;
ANALYZE "identity"."id_graph__next";
-- every identifier's region, quarantined ones too
DROP TABLE IF EXISTS "identity_state"."regions__next";
CREATE TABLE "identity_state"."regions__next" AS
SELECT n.node_id, COALESCE(l.component, n.node_id) AS region, n.id_type
FROM "identity_work"."nodes" n
LEFT JOIN "identity_work"."region_labels" l ON n.node_id = l.node_id;
ANALYZE "identity_state"."regions__next";
DROP TABLE IF EXISTS "identity_work"."region_labels";

-- ===== stage outputs: output tables, built beside the published ones
-- universal ids that are new, merged, split or quarantined since the last run
DROP TABLE IF EXISTS "identity_work"."changes";
CREATE UNLOGGED TABLE "identity_work"."changes" AS
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
ANALYZE "identity_work"."changes";
DROP TABLE IF EXISTS "identity"."profiles__next";
CREATE TABLE "identity"."profiles__next" AS
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
    CAST(COALESCE(SUM(CASE WHEN id_type = 'anonymous_id' THEN n END), 0) AS BIGINT) AS "anonymous_id_count",
    MAX(CASE WHEN id_type = 'anonymous_id' THEN latest END) AS "latest_anonymous_id"
  FROM per_type
  GROUP BY component
)
SELECT a.universal_id, p.first_seen_at, p.last_seen_at, p.identifiers, p."user_id_count", p."latest_user_id", p."anonymous_id_count", p."latest_anonymous_id"
FROM per_profile p
JOIN "identity_work"."anchors" a ON p.component = a.component;
ANALYZE "identity"."profiles__next";
DROP TABLE IF EXISTS "identity_work"."anchors";
DROP TABLE IF EXISTS "identity"."id_edges__next";
CREATE TABLE "identity"."id_edges__next" AS
SELECT ga.universal_id,
  ga.id_type AS id_type_a, ga.id_value AS id_value_a,
  gb.id_type AS id_type_b, gb.id_value AS id_value_b,
  e.row_count, e.first_seen_at, e.last_seen_at, e.sources
FROM "identity_work"."edges" e
JOIN "identity"."id_graph__next" ga ON e.a = ga.node_id
JOIN "identity"."id_graph__next" gb ON e.b = gb.node_id
-- one universal id per profile: its anchor's, which no other profile has
WHERE ga.universal_id = gb.universal_id;
ANALYZE "identity"."id_edges__next";
DROP TABLE IF EXISTS "identity_work"."edges";
-- what was kept out of the graph, and why
DROP TABLE IF EXISTS "identity"."id_quarantine__next";
CREATE TABLE "identity"."id_quarantine__next" AS
SELECT id_type, id_value, reason, evidence, CAST(0 AS BIGINT) AS run_id
FROM (
  SELECT n.id_type, n.id_value, 'anonymous_isolated' AS reason, CAST(q.profiles AS BIGINT) AS evidence
FROM "identity_work"."anon_isolated" q JOIN "identity_work"."nodes" n ON q.node_id = n.node_id
) q;
ANALYZE "identity"."id_quarantine__next";
DROP TABLE IF EXISTS "identity_work"."anon_isolated";
DROP TABLE IF EXISTS "identity_work"."nodes";
-- audience members; those already in keep the time they entered
DROP TABLE IF EXISTS "identity"."audience_members__next";
CREATE TABLE "identity"."audience_members__next" AS
SELECT m.audience, m.universal_id, COALESCE(prev.entered_at, CAST(LOCALTIMESTAMP AS TIMESTAMP)) AS entered_at
FROM (
  SELECT CAST(NULL AS TEXT) AS audience, CAST(NULL AS TEXT) AS universal_id FROM "identity"."profiles__next" WHERE 1 = 0
) m
LEFT JOIN "identity"."audience_members" prev ON prev.audience = m.audience AND prev.universal_id = m.universal_id;
ANALYZE "identity"."audience_members__next";
DROP TABLE IF EXISTS "identity_state"."hubs__next";
CREATE TABLE "identity_state"."hubs__next" AS
SELECT CAST(NULL AS BIGINT) AS node_id, CAST(NULL AS BIGINT) AS degree, CAST(NULL AS TEXT) AS id_type, CAST(NULL AS TEXT) AS id_value WHERE 1 = 0;
ANALYZE "identity_state"."hubs__next";
DROP TABLE IF EXISTS "identity_state"."qvalues__next";
CREATE TABLE "identity_state"."qvalues__next" AS
SELECT CAST(NULL AS TEXT) AS id_type, CAST(NULL AS TEXT) AS id_value, CAST(NULL AS TEXT) AS reason, CAST(NULL AS BIGINT) AS evidence WHERE 1 = 0;
ANALYZE "identity_state"."qvalues__next";
