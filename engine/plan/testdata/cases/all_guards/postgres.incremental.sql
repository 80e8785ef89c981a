-- idstitch plan: project all_guards, warehouse postgres, components by contraction
-- The runner also records each run in the runs table; that bookkeeping is not part of this script, and run_id is 0 in what it writes.

-- ===== stage guards: values that are invalid or blocked, and hubs, are kept out of the graph
-- source events without its hubs
DROP TABLE IF EXISTS "identity_work"."kept_events";
CREATE UNLOGGED TABLE "identity_work"."kept_events" AS
SELECT ts,
  CASE WHEN n1 IN (SELECT node_id FROM "identity_work"."hubs") THEN NULL ELSE n1 END AS n1,
  CASE WHEN n2 IN (SELECT node_id FROM "identity_work"."hubs") THEN NULL ELSE n2 END AS n2,
  CASE WHEN n3 IN (SELECT node_id FROM "identity_work"."hubs") THEN NULL ELSE n3 END AS n3,
  CASE WHEN n4 IN (SELECT node_id FROM "identity_work"."hubs") THEN NULL ELSE n4 END AS n4
FROM "identity_work"."src_events";
ANALYZE "identity_work"."kept_events";
-- source orders without its hubs
DROP TABLE IF EXISTS "identity_work"."kept_orders";
CREATE UNLOGGED TABLE "identity_work"."kept_orders" AS
SELECT ts,
  CASE WHEN n1 IN (SELECT node_id FROM "identity_work"."hubs") THEN NULL ELSE n1 END AS n1,
  CASE WHEN n2 IN (SELECT node_id FROM "identity_work"."hubs") THEN NULL ELSE n2 END AS n2,
  CASE WHEN n3 IN (SELECT node_id FROM "identity_work"."hubs") THEN NULL ELSE n3 END AS n3,
  CASE WHEN n4 IN (SELECT node_id FROM "identity_work"."hubs") THEN NULL ELSE n4 END AS n4
FROM "identity_work"."src_orders";
ANALYZE "identity_work"."kept_orders";

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
DROP TABLE IF EXISTS "identity_work"."lim_front_0";
DROP TABLE IF EXISTS "identity_work"."lim_seen_0";
-- ring 2: each identifier next to the last ring joins its best anchor (more rows, then more recent, then anchor value)
DROP TABLE IF EXISTS "identity_work"."lim_front_2";
CREATE UNLOGGED TABLE "identity_work"."lim_front_2" AS
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
ANALYZE "identity_work"."lim_front_2";
DROP TABLE IF EXISTS "identity_work"."lim_seen_2";
CREATE UNLOGGED TABLE "identity_work"."lim_seen_2" AS
SELECT node, anchor, anchors FROM "identity_work"."lim_seen_1"
UNION ALL
SELECT node, anchor, anchors FROM "identity_work"."lim_front_2";
ANALYZE "identity_work"."lim_seen_2";
DROP TABLE IF EXISTS "identity_work"."lim_front_1";
DROP TABLE IF EXISTS "identity_work"."lim_seen_1";
-- 2 rounds must have been enough
-- check: this count must be 0, else: the loop did not finish in the unrolled rounds; compile with more --rounds
SELECT COUNT(*) FROM "identity_work"."lim_front_2";
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
  LEFT JOIN "identity_work"."lim_seen_2" s ON g.node_id = s.node
  WHERE s.node IS NULL OR s.anchor IS NOT NULL
) x;
ANALYZE "identity_work"."groups_1";
-- identifiers equally near several anchors (policy.limit_ties: isolate)
DROP TABLE IF EXISTS "identity_work"."conflicts_user_id";
CREATE UNLOGGED TABLE "identity_work"."conflicts_user_id" AS
SELECT node AS node_id, anchors FROM "identity_work"."lim_seen_2" WHERE anchor IS NULL;
ANALYZE "identity_work"."conflicts_user_id";
DROP TABLE IF EXISTS "identity_work"."lim_front_2";
DROP TABLE IF EXISTS "identity_work"."lim_seen_2";

-- ===== stage limit_email: at most 3 email per profile: split the profiles that hold more
-- profiles over the limit
DROP TABLE IF EXISTS "identity_work"."lim_violating";
CREATE UNLOGGED TABLE "identity_work"."lim_violating" AS
SELECT g.grp
FROM "identity_work"."groups_1" g
JOIN "identity_work"."nodes" n ON g.node_id = n.node_id
WHERE n.id_type = 'email'
GROUP BY g.grp
HAVING COUNT(*) > 3;
ANALYZE "identity_work"."lim_violating";
-- their links, both ways
DROP TABLE IF EXISTS "identity_work"."lim_edges";
CREATE UNLOGGED TABLE "identity_work"."lim_edges" AS
SELECT u, v, row_count, last_seen_at
FROM (
  SELECT e.a AS u, e.b AS v, e.row_count, e.last_seen_at, ga.grp AS gu, gb.grp AS gv
  FROM "identity_work"."edges" e
  JOIN "identity_work"."groups_1" ga ON e.a = ga.node_id
  JOIN "identity_work"."groups_1" gb ON e.b = gb.node_id
  UNION ALL
  SELECT e.b AS u, e.a AS v, e.row_count, e.last_seen_at, gb.grp AS gu, ga.grp AS gv
  FROM "identity_work"."edges" e
  JOIN "identity_work"."groups_1" ga ON e.a = ga.node_id
  JOIN "identity_work"."groups_1" gb ON e.b = gb.node_id
) d
WHERE gu = gv AND gu IN (SELECT grp FROM "identity_work"."lim_violating");
ANALYZE "identity_work"."lim_edges";
-- their identifiers of this type are the anchors
DROP TABLE IF EXISTS "identity_work"."lim_seen_0";
CREATE UNLOGGED TABLE "identity_work"."lim_seen_0" AS
SELECT g.node_id AS node, g.node_id AS anchor, 0 AS anchors
FROM "identity_work"."groups_1" g
JOIN "identity_work"."nodes" n ON g.node_id = n.node_id
WHERE n.id_type = 'email' AND g.grp IN (SELECT grp FROM "identity_work"."lim_violating");
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
DROP TABLE IF EXISTS "identity_work"."lim_front_0";
DROP TABLE IF EXISTS "identity_work"."lim_seen_0";
-- ring 2: each identifier next to the last ring joins its best anchor (more rows, then more recent, then anchor value)
DROP TABLE IF EXISTS "identity_work"."lim_front_2";
CREATE UNLOGGED TABLE "identity_work"."lim_front_2" AS
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
ANALYZE "identity_work"."lim_front_2";
DROP TABLE IF EXISTS "identity_work"."lim_seen_2";
CREATE UNLOGGED TABLE "identity_work"."lim_seen_2" AS
SELECT node, anchor, anchors FROM "identity_work"."lim_seen_1"
UNION ALL
SELECT node, anchor, anchors FROM "identity_work"."lim_front_2";
ANALYZE "identity_work"."lim_seen_2";
DROP TABLE IF EXISTS "identity_work"."lim_front_1";
DROP TABLE IF EXISTS "identity_work"."lim_seen_1";
-- 2 rounds must have been enough
-- check: this count must be 0, else: the loop did not finish in the unrolled rounds; compile with more --rounds
SELECT COUNT(*) FROM "identity_work"."lim_front_2";
-- the refined partition; identifiers no anchor reached stay together
DROP TABLE IF EXISTS "identity_work"."groups_2";
CREATE UNLOGGED TABLE "identity_work"."groups_2" AS
SELECT node_id,
  CASE
    WHEN violating = 0 THEN grp
    WHEN anchor IS NOT NULL THEN anchor
    ELSE MIN(CASE WHEN anchor IS NULL THEN node_id END) OVER (PARTITION BY grp)
  END AS grp
FROM (
  SELECT g.node_id, g.grp, s.anchor,
    CASE WHEN g.grp IN (SELECT grp FROM "identity_work"."lim_violating") THEN 1 ELSE 0 END AS violating
  FROM "identity_work"."groups_1" g
  LEFT JOIN "identity_work"."lim_seen_2" s ON g.node_id = s.node
  WHERE s.node IS NULL OR s.anchor IS NOT NULL
) x;
ANALYZE "identity_work"."groups_2";
-- identifiers equally near several anchors (policy.limit_ties: isolate)
DROP TABLE IF EXISTS "identity_work"."conflicts_email";
CREATE UNLOGGED TABLE "identity_work"."conflicts_email" AS
SELECT node AS node_id, anchors FROM "identity_work"."lim_seen_2" WHERE anchor IS NULL;
ANALYZE "identity_work"."conflicts_email";
DROP TABLE IF EXISTS "identity_work"."lim_front_2";
DROP TABLE IF EXISTS "identity_work"."lim_seen_2";

-- ===== stage anonymous: policy isolate: clusters of anonymous identifiers join the one known profile they touch, or none
-- round 0: the graph's edges
DROP TABLE IF EXISTS "identity_work"."ac_edges_0";
CREATE UNLOGGED TABLE "identity_work"."ac_edges_0" AS
SELECT e.a, e.b FROM "identity_work"."edges" e
JOIN "identity_work"."nodes" na ON e.a = na.node_id
JOIN "identity_work"."nodes" nb ON e.b = nb.node_id
WHERE na.id_type IN ('device_id', 'anonymous_id')
  AND nb.id_type IN ('device_id', 'anonymous_id');
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
DROP TABLE IF EXISTS "identity_work"."ac_edges_0";
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
-- round 2: rewrite edges onto representatives; drop self-loops
DROP TABLE IF EXISTS "identity_work"."ac_edges_2";
CREATE UNLOGGED TABLE "identity_work"."ac_edges_2" AS
SELECT DISTINCT LEAST(ma.rep, mb.rep) AS a, GREATEST(ma.rep, mb.rep) AS b
FROM "identity_work"."ac_edges_1" e
JOIN "identity_work"."ac_map_2" ma ON e.a = ma.v
JOIN "identity_work"."ac_map_2" mb ON e.b = mb.v
WHERE ma.rep <> mb.rep;
ANALYZE "identity_work"."ac_edges_2";
DROP TABLE IF EXISTS "identity_work"."ac_edges_1";
-- 2 rounds must have been enough
-- check: this count must be 0, else: the loop did not finish in the unrolled rounds; compile with more --rounds
SELECT COUNT(*) FROM "identity_work"."ac_edges_2";
-- compose the 2 round maps, last to first
DROP TABLE IF EXISTS "identity_work"."ac_rep_2";
CREATE UNLOGGED TABLE "identity_work"."ac_rep_2" AS
SELECT v, rep FROM "identity_work"."ac_map_2";
ANALYZE "identity_work"."ac_rep_2";
DROP TABLE IF EXISTS "identity_work"."ac_rep_1";
CREATE UNLOGGED TABLE "identity_work"."ac_rep_1" AS
SELECT m.v, COALESCE(r.rep, m.rep) AS rep
FROM "identity_work"."ac_map_1" m
LEFT JOIN "identity_work"."ac_rep_2" r ON m.rep = r.v;
ANALYZE "identity_work"."ac_rep_1";
DROP TABLE IF EXISTS "identity_work"."ac_rep_2";
-- label: the smallest node id of the component, whatever the random choices
DROP TABLE IF EXISTS "identity_work"."anon_labels";
CREATE UNLOGGED TABLE "identity_work"."anon_labels" AS
SELECT v AS node_id, MIN(v) OVER (PARTITION BY rep) AS component
FROM "identity_work"."ac_rep_1";
ANALYZE "identity_work"."anon_labels";
DROP TABLE IF EXISTS "identity_work"."ac_rep_1";
DROP TABLE IF EXISTS "identity_work"."ac_edges_2";
DROP TABLE IF EXISTS "identity_work"."ac_map_1";
DROP TABLE IF EXISTS "identity_work"."ac_map_2";
-- clusters of linked anonymous identifiers
DROP TABLE IF EXISTS "identity_work"."anon_clusters";
CREATE UNLOGGED TABLE "identity_work"."anon_clusters" AS
SELECT n.node_id, COALESCE(l.component, n.node_id) AS cluster
FROM "identity_work"."nodes" n
LEFT JOIN "identity_work"."anon_labels" l ON n.node_id = l.node_id
WHERE n.id_type IN ('device_id', 'anonymous_id')
  AND n.node_id NOT IN (SELECT node_id FROM "identity_work"."hubs");
ANALYZE "identity_work"."anon_clusters";
-- the known profiles each cluster touches
DROP TABLE IF EXISTS "identity_work"."anon_touch";
CREATE UNLOGGED TABLE "identity_work"."anon_touch" AS
SELECT c.cluster, COUNT(DISTINCT g.grp) AS profiles, MIN(g.grp) AS grp
FROM (
  SELECT a AS x, b AS y FROM "identity_work"."edges"
  UNION ALL SELECT b AS x, a AS y FROM "identity_work"."edges"
) e
JOIN "identity_work"."anon_clusters" c ON e.x = c.node_id
JOIN "identity_work"."groups_2" g ON e.y = g.node_id
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
SELECT node_id, grp FROM "identity_work"."groups_2"
UNION ALL
SELECT c.node_id, COALESCE(t.grp, c.cluster) AS grp
FROM "identity_work"."anon_clusters" c
LEFT JOIN "identity_work"."anon_touch" t ON c.cluster = t.cluster
WHERE COALESCE(t.profiles, 0) <= 1;
ANALYZE "identity_work"."groups_final";

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
DROP TABLE IF EXISTS "identity_work"."rc_edges_0";
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
-- round 2: rewrite edges onto representatives; drop self-loops
DROP TABLE IF EXISTS "identity_work"."rc_edges_2";
CREATE UNLOGGED TABLE "identity_work"."rc_edges_2" AS
SELECT DISTINCT LEAST(ma.rep, mb.rep) AS a, GREATEST(ma.rep, mb.rep) AS b
FROM "identity_work"."rc_edges_1" e
JOIN "identity_work"."rc_map_2" ma ON e.a = ma.v
JOIN "identity_work"."rc_map_2" mb ON e.b = mb.v
WHERE ma.rep <> mb.rep;
ANALYZE "identity_work"."rc_edges_2";
DROP TABLE IF EXISTS "identity_work"."rc_edges_1";
-- 2 rounds must have been enough
-- check: this count must be 0, else: the loop did not finish in the unrolled rounds; compile with more --rounds
SELECT COUNT(*) FROM "identity_work"."rc_edges_2";
-- compose the 2 round maps, last to first
DROP TABLE IF EXISTS "identity_work"."rc_rep_2";
CREATE UNLOGGED TABLE "identity_work"."rc_rep_2" AS
SELECT v, rep FROM "identity_work"."rc_map_2";
ANALYZE "identity_work"."rc_rep_2";
DROP TABLE IF EXISTS "identity_work"."rc_rep_1";
CREATE UNLOGGED TABLE "identity_work"."rc_rep_1" AS
SELECT m.v, COALESCE(r.rep, m.rep) AS rep
FROM "identity_work"."rc_map_1" m
LEFT JOIN "identity_work"."rc_rep_2" r ON m.rep = r.v;
ANALYZE "identity_work"."rc_rep_1";
DROP TABLE IF EXISTS "identity_work"."rc_rep_2";
-- label: the smallest node id of the component, whatever the random choices
DROP TABLE IF EXISTS "identity_work"."region_labels";
CREATE UNLOGGED TABLE "identity_work"."region_labels" AS
SELECT v AS node_id, MIN(v) OVER (PARTITION BY rep) AS component
FROM "identity_work"."rc_rep_1";
ANALYZE "identity_work"."region_labels";
DROP TABLE IF EXISTS "identity_work"."rc_rep_1";
DROP TABLE IF EXISTS "identity_work"."rc_edges_2";
DROP TABLE IF EXISTS "identity_work"."rc_map_1";
DROP TABLE IF EXISTS "identity_work"."rc_map_2";
