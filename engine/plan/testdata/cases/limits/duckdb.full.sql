-- idstitch plan: project limits, warehouse duckdb, components by contraction
-- The runner also records each run in the runs table; that bookkeeping is not part of this script, and run_id is 0 in what it writes.

-- ===== stage components: connected components by randomised contraction
-- round 0: the graph's edges
CREATE OR REPLACE TABLE "identity_work".main."cc_edges_0" AS
SELECT e.a, e.b FROM "identity_work".main."edges" e;

-- rounds 1 to 2; the runner stops when the count below reaches 0 (edges left)
-- round 1: every node picks the neighbour (or itself) with the smallest hash
CREATE OR REPLACE TABLE "identity_work".main."cc_map_1" AS
SELECT v, arg_min(u, CAST(CAST(hash(u, 1) AS HUGEINT) - 9223372036854775808 AS BIGINT)) AS rep
FROM (
  SELECT a AS v, b AS u FROM "identity_work".main."cc_edges_0"
  UNION ALL SELECT b AS v, a AS u FROM "identity_work".main."cc_edges_0"
  UNION ALL SELECT a AS v, a AS u FROM "identity_work".main."cc_edges_0"
  UNION ALL SELECT b AS v, b AS u FROM "identity_work".main."cc_edges_0"
) n
GROUP BY v;
-- round 1: rewrite edges onto representatives; drop self-loops
CREATE OR REPLACE TABLE "identity_work".main."cc_edges_1" AS
SELECT DISTINCT LEAST(ma.rep, mb.rep) AS a, GREATEST(ma.rep, mb.rep) AS b
FROM "identity_work".main."cc_edges_0" e
JOIN "identity_work".main."cc_map_1" ma ON e.a = ma.v
JOIN "identity_work".main."cc_map_1" mb ON e.b = mb.v
WHERE ma.rep <> mb.rep;
-- round 2: every node picks the neighbour (or itself) with the smallest hash
CREATE OR REPLACE TABLE "identity_work".main."cc_map_2" AS
SELECT v, arg_min(u, CAST(CAST(hash(u, 2) AS HUGEINT) - 9223372036854775808 AS BIGINT)) AS rep
FROM (
  SELECT a AS v, b AS u FROM "identity_work".main."cc_edges_1"
  UNION ALL SELECT b AS v, a AS u FROM "identity_work".main."cc_edges_1"
  UNION ALL SELECT a AS v, a AS u FROM "identity_work".main."cc_edges_1"
  UNION ALL SELECT b AS v, b AS u FROM "identity_work".main."cc_edges_1"
) n
GROUP BY v;
-- round 2: rewrite edges onto representatives; drop self-loops (in place of the edges of round 0)
CREATE OR REPLACE TABLE "identity_work".main."cc_edges_0" AS
SELECT DISTINCT LEAST(ma.rep, mb.rep) AS a, GREATEST(ma.rep, mb.rep) AS b
FROM "identity_work".main."cc_edges_1" e
JOIN "identity_work".main."cc_map_2" ma ON e.a = ma.v
JOIN "identity_work".main."cc_map_2" mb ON e.b = mb.v
WHERE ma.rep <> mb.rep;
-- 2 rounds must have been enough
-- check: this count must be 0, else: the loop did not finish in the unrolled rounds; compile with more --rounds
SELECT COUNT(*) FROM "identity_work".main."cc_edges_0";
-- compose the 2 round maps, last to first, and label each component with its smallest node id, whatever the random choices
CREATE OR REPLACE TABLE "identity_work".main."labels" AS
WITH
r2 AS (
  SELECT v, rep FROM "identity_work".main."cc_map_2"
),
r1 AS (
  SELECT m.v, COALESCE(l.rep, m.rep) AS rep
  FROM "identity_work".main."cc_map_1" m
  LEFT JOIN r2 l ON m.rep = l.v
)
SELECT v AS node_id, MIN(v) OVER (PARTITION BY rep) AS component
FROM r1;
DROP TABLE IF EXISTS "identity_work".main."cc_edges_0";
DROP TABLE IF EXISTS "identity_work".main."cc_edges_1";
DROP TABLE IF EXISTS "identity_work".main."cc_map_1";
DROP TABLE IF EXISTS "identity_work".main."cc_map_2";
-- the partition that the limits and policies below refine
CREATE OR REPLACE TABLE "identity_work".main."groups_0" AS
SELECT n.node_id, COALESCE(l.component, n.node_id) AS grp
FROM "identity_work".main."nodes" n
LEFT JOIN "identity_work".main."labels" l ON n.node_id = l.node_id
WHERE 1 = 1;

-- ===== stage limit_user_id: at most 1 user_id per profile: split the profiles that hold more
-- profiles over the limit
CREATE OR REPLACE TABLE "identity_work".main."lim_violating" AS
SELECT g.grp
FROM "identity_work".main."groups_0" g
JOIN "identity_work".main."nodes" n ON g.node_id = n.node_id
WHERE n.id_type = 'user_id'
GROUP BY g.grp
HAVING COUNT(*) > 1;
-- their links, both ways
CREATE OR REPLACE TABLE "identity_work".main."lim_edges" AS
SELECT u, v, row_count, last_seen_at
FROM (
  SELECT e.a AS u, e.b AS v, e.row_count, e.last_seen_at, ga.grp AS gu, gb.grp AS gv
  FROM "identity_work".main."edges" e
  JOIN "identity_work".main."groups_0" ga ON e.a = ga.node_id
  JOIN "identity_work".main."groups_0" gb ON e.b = gb.node_id
  UNION ALL
  SELECT e.b AS u, e.a AS v, e.row_count, e.last_seen_at, gb.grp AS gu, ga.grp AS gv
  FROM "identity_work".main."edges" e
  JOIN "identity_work".main."groups_0" ga ON e.a = ga.node_id
  JOIN "identity_work".main."groups_0" gb ON e.b = gb.node_id
) d
WHERE gu = gv AND gu IN (SELECT grp FROM "identity_work".main."lim_violating");
-- their identifiers of this type are the anchors
CREATE OR REPLACE TABLE "identity_work".main."lim_seen_0" AS
SELECT g.node_id AS node, g.node_id AS anchor, 0 AS anchors
FROM "identity_work".main."groups_0" g
JOIN "identity_work".main."nodes" n ON g.node_id = n.node_id
WHERE n.id_type = 'user_id' AND g.grp IN (SELECT grp FROM "identity_work".main."lim_violating");
CREATE OR REPLACE TABLE "identity_work".main."lim_front_0" AS
SELECT node, anchor, anchors FROM "identity_work".main."lim_seen_0";

-- rounds 1 to 2; the runner stops when the count below reaches 0 (identifiers reached)
-- ring 1: each identifier next to the last ring joins its best anchor (more rows, then more recent, then anchor value)
CREATE OR REPLACE TABLE "identity_work".main."lim_front_1" AS
SELECT node,
  anchor AS anchor,
  anchors
FROM (
  SELECT node, anchor,
    COUNT(*) OVER (PARTITION BY node) AS anchors,
    ROW_NUMBER() OVER (PARTITION BY node ORDER BY row_count DESC, last_seen_at DESC NULLS LAST, anchor_value) AS pos
  FROM (
    SELECT e.v AS node, f.anchor, a.id_value AS anchor_value,
      SUM(e.row_count) AS row_count, MAX(e.last_seen_at) AS last_seen_at
    FROM "identity_work".main."lim_edges" e
    JOIN "identity_work".main."lim_front_0" f ON e.u = f.node
    JOIN "identity_work".main."nodes" a ON f.anchor = a.node_id
    WHERE e.v NOT IN (SELECT node FROM "identity_work".main."lim_seen_0")
    GROUP BY e.v, f.anchor, a.id_value
  ) c
) r
WHERE pos = 1;
CREATE OR REPLACE TABLE "identity_work".main."lim_seen_1" AS
SELECT node, anchor, anchors FROM "identity_work".main."lim_seen_0"
UNION ALL
SELECT node, anchor, anchors FROM "identity_work".main."lim_front_1";
-- ring 2: each identifier next to the last ring joins its best anchor (more rows, then more recent, then anchor value)
CREATE OR REPLACE TABLE "identity_work".main."lim_front_0" AS
SELECT node,
  anchor AS anchor,
  anchors
FROM (
  SELECT node, anchor,
    COUNT(*) OVER (PARTITION BY node) AS anchors,
    ROW_NUMBER() OVER (PARTITION BY node ORDER BY row_count DESC, last_seen_at DESC NULLS LAST, anchor_value) AS pos
  FROM (
    SELECT e.v AS node, f.anchor, a.id_value AS anchor_value,
      SUM(e.row_count) AS row_count, MAX(e.last_seen_at) AS last_seen_at
    FROM "identity_work".main."lim_edges" e
    JOIN "identity_work".main."lim_front_1" f ON e.u = f.node
    JOIN "identity_work".main."nodes" a ON f.anchor = a.node_id
    WHERE e.v NOT IN (SELECT node FROM "identity_work".main."lim_seen_1")
    GROUP BY e.v, f.anchor, a.id_value
  ) c
) r
WHERE pos = 1;
CREATE OR REPLACE TABLE "identity_work".main."lim_seen_0" AS
SELECT node, anchor, anchors FROM "identity_work".main."lim_seen_1"
UNION ALL
SELECT node, anchor, anchors FROM "identity_work".main."lim_front_0";
-- 2 rounds must have been enough
-- check: this count must be 0, else: the loop did not finish in the unrolled rounds; compile with more --rounds
SELECT COUNT(*) FROM "identity_work".main."lim_front_0";
-- the refined partition; identifiers no anchor reached stay together
CREATE OR REPLACE TABLE "identity_work".main."groups_1" AS
SELECT node_id,
  CASE
    WHEN violating = 0 THEN grp
    WHEN anchor IS NOT NULL THEN anchor
    ELSE MIN(CASE WHEN anchor IS NULL THEN node_id END) OVER (PARTITION BY grp)
  END AS grp
FROM (
  SELECT g.node_id, g.grp, s.anchor,
    CASE WHEN g.grp IN (SELECT grp FROM "identity_work".main."lim_violating") THEN 1 ELSE 0 END AS violating
  FROM "identity_work".main."groups_0" g
  LEFT JOIN "identity_work".main."lim_seen_0" s ON g.node_id = s.node
  WHERE s.node IS NULL OR s.anchor IS NOT NULL
) x;
DROP TABLE IF EXISTS "identity_work".main."groups_0";

-- ===== stage limit_email: at most 3 email per profile: split the profiles that hold more
-- profiles over the limit
CREATE OR REPLACE TABLE "identity_work".main."lim_violating" AS
SELECT g.grp
FROM "identity_work".main."groups_1" g
JOIN "identity_work".main."nodes" n ON g.node_id = n.node_id
WHERE n.id_type = 'email'
GROUP BY g.grp
HAVING COUNT(*) > 3;
-- their links, both ways
CREATE OR REPLACE TABLE "identity_work".main."lim_edges" AS
SELECT u, v, row_count, last_seen_at
FROM (
  SELECT e.a AS u, e.b AS v, e.row_count, e.last_seen_at, ga.grp AS gu, gb.grp AS gv
  FROM "identity_work".main."edges" e
  JOIN "identity_work".main."groups_1" ga ON e.a = ga.node_id
  JOIN "identity_work".main."groups_1" gb ON e.b = gb.node_id
  UNION ALL
  SELECT e.b AS u, e.a AS v, e.row_count, e.last_seen_at, gb.grp AS gu, ga.grp AS gv
  FROM "identity_work".main."edges" e
  JOIN "identity_work".main."groups_1" ga ON e.a = ga.node_id
  JOIN "identity_work".main."groups_1" gb ON e.b = gb.node_id
) d
WHERE gu = gv AND gu IN (SELECT grp FROM "identity_work".main."lim_violating");
-- their identifiers of this type are the anchors
CREATE OR REPLACE TABLE "identity_work".main."lim_seen_0" AS
SELECT g.node_id AS node, g.node_id AS anchor, 0 AS anchors
FROM "identity_work".main."groups_1" g
JOIN "identity_work".main."nodes" n ON g.node_id = n.node_id
WHERE n.id_type = 'email' AND g.grp IN (SELECT grp FROM "identity_work".main."lim_violating");
CREATE OR REPLACE TABLE "identity_work".main."lim_front_0" AS
SELECT node, anchor, anchors FROM "identity_work".main."lim_seen_0";

-- rounds 1 to 2; the runner stops when the count below reaches 0 (identifiers reached)
-- ring 1: each identifier next to the last ring joins its best anchor (more rows, then more recent, then anchor value)
CREATE OR REPLACE TABLE "identity_work".main."lim_front_1" AS
SELECT node,
  anchor AS anchor,
  anchors
FROM (
  SELECT node, anchor,
    COUNT(*) OVER (PARTITION BY node) AS anchors,
    ROW_NUMBER() OVER (PARTITION BY node ORDER BY row_count DESC, last_seen_at DESC NULLS LAST, anchor_value) AS pos
  FROM (
    SELECT e.v AS node, f.anchor, a.id_value AS anchor_value,
      SUM(e.row_count) AS row_count, MAX(e.last_seen_at) AS last_seen_at
    FROM "identity_work".main."lim_edges" e
    JOIN "identity_work".main."lim_front_0" f ON e.u = f.node
    JOIN "identity_work".main."nodes" a ON f.anchor = a.node_id
    WHERE e.v NOT IN (SELECT node FROM "identity_work".main."lim_seen_0")
    GROUP BY e.v, f.anchor, a.id_value
  ) c
) r
WHERE pos = 1;
CREATE OR REPLACE TABLE "identity_work".main."lim_seen_1" AS
SELECT node, anchor, anchors FROM "identity_work".main."lim_seen_0"
UNION ALL
SELECT node, anchor, anchors FROM "identity_work".main."lim_front_1";
-- ring 2: each identifier next to the last ring joins its best anchor (more rows, then more recent, then anchor value)
CREATE OR REPLACE TABLE "identity_work".main."lim_front_0" AS
SELECT node,
  anchor AS anchor,
  anchors
FROM (
  SELECT node, anchor,
    COUNT(*) OVER (PARTITION BY node) AS anchors,
    ROW_NUMBER() OVER (PARTITION BY node ORDER BY row_count DESC, last_seen_at DESC NULLS LAST, anchor_value) AS pos
  FROM (
    SELECT e.v AS node, f.anchor, a.id_value AS anchor_value,
      SUM(e.row_count) AS row_count, MAX(e.last_seen_at) AS last_seen_at
    FROM "identity_work".main."lim_edges" e
    JOIN "identity_work".main."lim_front_1" f ON e.u = f.node
    JOIN "identity_work".main."nodes" a ON f.anchor = a.node_id
    WHERE e.v NOT IN (SELECT node FROM "identity_work".main."lim_seen_1")
    GROUP BY e.v, f.anchor, a.id_value
  ) c
) r
WHERE pos = 1;
CREATE OR REPLACE TABLE "identity_work".main."lim_seen_0" AS
SELECT node, anchor, anchors FROM "identity_work".main."lim_seen_1"
UNION ALL
SELECT node, anchor, anchors FROM "identity_work".main."lim_front_0";
-- 2 rounds must have been enough
-- check: this count must be 0, else: the loop did not finish in the unrolled rounds; compile with more --rounds
SELECT COUNT(*) FROM "identity_work".main."lim_front_0";
-- the refined partition; identifiers no anchor reached stay together
CREATE OR REPLACE TABLE "identity_work".main."groups_2" AS
SELECT node_id,
  CASE
    WHEN violating = 0 THEN grp
    WHEN anchor IS NOT NULL THEN anchor
    ELSE MIN(CASE WHEN anchor IS NULL THEN node_id END) OVER (PARTITION BY grp)
  END AS grp
FROM (
  SELECT g.node_id, g.grp, s.anchor,
    CASE WHEN g.grp IN (SELECT grp FROM "identity_work".main."lim_violating") THEN 1 ELSE 0 END AS violating
  FROM "identity_work".main."groups_1" g
  LEFT JOIN "identity_work".main."lim_seen_0" s ON g.node_id = s.node
  WHERE s.node IS NULL OR s.anchor IS NOT NULL
) x;
DROP TABLE IF EXISTS "identity_work".main."groups_1";
DROP TABLE IF EXISTS "identity_work".main."lim_edges";
DROP TABLE IF EXISTS "identity_work".main."lim_front_0";
DROP TABLE IF EXISTS "identity_work".main."lim_front_1";
DROP TABLE IF EXISTS "identity_work".main."lim_seen_0";
DROP TABLE IF EXISTS "identity_work".main."lim_seen_1";
DROP TABLE IF EXISTS "identity_work".main."lim_violating";

-- ===== stage ids: one universal id per profile, from its anchor identifier
-- every identifier in the graph with its profile
CREATE OR REPLACE TABLE "identity_work".main."assign" AS
SELECT n.node_id, n.id_type, n.id_value, n.type_rank, n.first_seen_at, n.last_seen_at, n.row_count,
  g.grp AS component
FROM "identity_work".main."nodes" n
JOIN "identity_work".main."groups_2" g ON n.node_id = g.node_id;
DROP TABLE IF EXISTS "identity_work".main."groups_2";
-- anchor: earliest first_seen, then type priority, then value
CREATE OR REPLACE TABLE "identity_work".main."anchors" AS
SELECT component, anchor.id_type AS anchor_type, anchor.id_value AS anchor_value,
  md5(('limits' || '|' || anchor.id_type || '|' || anchor.id_value)) AS universal_id
FROM (
  SELECT component,
    arg_min({id_type: id_type, id_value: id_value}, (COALESCE(first_seen_at, TIMESTAMP '9999-12-31'), type_rank, id_value)) AS anchor
  FROM "identity_work".main."assign"
  GROUP BY component
) a;
-- every identifier with its universal id: the next id_graph
CREATE OR REPLACE TABLE "identity"."id_graph__next" AS
SELECT a.universal_id, n.id_type, n.id_value, n.first_seen_at, n.last_seen_at, n.row_count, n.node_id
FROM "identity_work".main."assign" n
JOIN "identity_work".main."anchors" a ON n.component = a.component;
-- every identifier's region, quarantined ones too
CREATE OR REPLACE TABLE "identity_state"."regions__next" AS
SELECT n.node_id, COALESCE(l.component, n.node_id) AS region, n.id_type
FROM "identity_work".main."nodes" n
LEFT JOIN "identity_work".main."labels" l ON n.node_id = l.node_id;
DROP TABLE IF EXISTS "identity_work".main."labels";
DROP TABLE IF EXISTS "identity_work".main."nodes";
