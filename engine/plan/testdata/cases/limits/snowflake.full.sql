-- idstitch plan: project limits, warehouse snowflake, components by contraction
-- The runner also records each run in the runs table; that bookkeeping is not part of this script, and run_id is 0 in what it writes.

-- ===== stage components: connected components by randomised contraction
-- round 0: the graph's edges
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."CC_EDGES_0" AS
SELECT e.a, e.b FROM "IDENTITY_WORK"."EDGES" e;

-- rounds 1 to 2; the runner stops when the count below reaches 0 (edges left)
-- round 1: every node picks the neighbour (or itself) with the smallest hash
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."CC_MAP_1" AS
SELECT v, MIN_BY(u, HASH(u, 1)) AS rep
FROM (
  SELECT a AS v, b AS u FROM "IDENTITY_WORK"."CC_EDGES_0"
  UNION ALL SELECT b AS v, a AS u FROM "IDENTITY_WORK"."CC_EDGES_0"
  UNION ALL SELECT a AS v, a AS u FROM "IDENTITY_WORK"."CC_EDGES_0"
  UNION ALL SELECT b AS v, b AS u FROM "IDENTITY_WORK"."CC_EDGES_0"
) n
GROUP BY v;
-- round 1: rewrite edges onto representatives; drop self-loops
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."CC_EDGES_1" AS
SELECT DISTINCT LEAST(ma.rep, mb.rep) AS a, GREATEST(ma.rep, mb.rep) AS b
FROM "IDENTITY_WORK"."CC_EDGES_0" e
JOIN "IDENTITY_WORK"."CC_MAP_1" ma ON e.a = ma.v
JOIN "IDENTITY_WORK"."CC_MAP_1" mb ON e.b = mb.v
WHERE ma.rep <> mb.rep;
-- round 2: every node picks the neighbour (or itself) with the smallest hash
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."CC_MAP_2" AS
SELECT v, MIN_BY(u, HASH(u, 2)) AS rep
FROM (
  SELECT a AS v, b AS u FROM "IDENTITY_WORK"."CC_EDGES_1"
  UNION ALL SELECT b AS v, a AS u FROM "IDENTITY_WORK"."CC_EDGES_1"
  UNION ALL SELECT a AS v, a AS u FROM "IDENTITY_WORK"."CC_EDGES_1"
  UNION ALL SELECT b AS v, b AS u FROM "IDENTITY_WORK"."CC_EDGES_1"
) n
GROUP BY v;
-- round 2: rewrite edges onto representatives; drop self-loops (in place of the edges of round 0)
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."CC_EDGES_0" AS
SELECT DISTINCT LEAST(ma.rep, mb.rep) AS a, GREATEST(ma.rep, mb.rep) AS b
FROM "IDENTITY_WORK"."CC_EDGES_1" e
JOIN "IDENTITY_WORK"."CC_MAP_2" ma ON e.a = ma.v
JOIN "IDENTITY_WORK"."CC_MAP_2" mb ON e.b = mb.v
WHERE ma.rep <> mb.rep;
-- 2 rounds must have been enough
-- check: this count must be 0, else: the loop did not finish in the unrolled rounds; compile with more --rounds
SELECT COUNT(*) FROM "IDENTITY_WORK"."CC_EDGES_0";
-- compose the 2 round maps, last to first, and label each component with its smallest node id, whatever the random choices
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."LABELS" AS
WITH
r2 AS (
  SELECT v, rep FROM "IDENTITY_WORK"."CC_MAP_2"
),
r1 AS (
  SELECT m.v, COALESCE(l.rep, m.rep) AS rep
  FROM "IDENTITY_WORK"."CC_MAP_1" m
  LEFT JOIN r2 l ON m.rep = l.v
)
SELECT v AS node_id, MIN(v) OVER (PARTITION BY rep) AS component
FROM r1;
-- the partition that the limits and policies below refine
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."GROUPS_0" AS
SELECT n.node_id, COALESCE(l.component, n.node_id) AS grp
FROM "IDENTITY_WORK"."NODES" n
LEFT JOIN "IDENTITY_WORK"."LABELS" l ON n.node_id = l.node_id
WHERE 1 = 1;

-- ===== stage limit_user_id: at most 1 user_id per profile: split the profiles that hold more
-- profiles over the limit
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."LIM_VIOLATING" AS
SELECT g.grp
FROM "IDENTITY_WORK"."GROUPS_0" g
JOIN "IDENTITY_WORK"."NODES" n ON g.node_id = n.node_id
WHERE n.id_type = 'user_id'
GROUP BY g.grp
HAVING COUNT(*) > 1;
-- their links, both ways
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."LIM_EDGES" AS
SELECT u, v, row_count, last_seen_at
FROM (
  SELECT e.a AS u, e.b AS v, e.row_count, e.last_seen_at, ga.grp AS gu, gb.grp AS gv
  FROM "IDENTITY_WORK"."EDGES" e
  JOIN "IDENTITY_WORK"."GROUPS_0" ga ON e.a = ga.node_id
  JOIN "IDENTITY_WORK"."GROUPS_0" gb ON e.b = gb.node_id
  UNION ALL
  SELECT e.b AS u, e.a AS v, e.row_count, e.last_seen_at, gb.grp AS gu, ga.grp AS gv
  FROM "IDENTITY_WORK"."EDGES" e
  JOIN "IDENTITY_WORK"."GROUPS_0" ga ON e.a = ga.node_id
  JOIN "IDENTITY_WORK"."GROUPS_0" gb ON e.b = gb.node_id
) d
WHERE gu = gv AND gu IN (SELECT grp FROM "IDENTITY_WORK"."LIM_VIOLATING");
-- their identifiers of this type are the anchors
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."LIM_SEEN_0" AS
SELECT g.node_id AS node, g.node_id AS anchor, 0 AS anchors
FROM "IDENTITY_WORK"."GROUPS_0" g
JOIN "IDENTITY_WORK"."NODES" n ON g.node_id = n.node_id
WHERE n.id_type = 'user_id' AND g.grp IN (SELECT grp FROM "IDENTITY_WORK"."LIM_VIOLATING");
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."LIM_FRONT_0" AS
SELECT node, anchor, anchors FROM "IDENTITY_WORK"."LIM_SEEN_0";

-- rounds 1 to 2; the runner stops when the count below reaches 0 (identifiers reached)
-- ring 1: each identifier next to the last ring joins its best anchor (more rows, then more recent, then anchor value)
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."LIM_FRONT_1" AS
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
    FROM "IDENTITY_WORK"."LIM_EDGES" e
    JOIN "IDENTITY_WORK"."LIM_FRONT_0" f ON e.u = f.node
    JOIN "IDENTITY_WORK"."NODES" a ON f.anchor = a.node_id
    WHERE e.v NOT IN (SELECT node FROM "IDENTITY_WORK"."LIM_SEEN_0")
    GROUP BY e.v, f.anchor, a.id_value
  ) c
) r
WHERE pos = 1;
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."LIM_SEEN_1" AS
SELECT node, anchor, anchors FROM "IDENTITY_WORK"."LIM_SEEN_0"
UNION ALL
SELECT node, anchor, anchors FROM "IDENTITY_WORK"."LIM_FRONT_1";
-- ring 2: each identifier next to the last ring joins its best anchor (more rows, then more recent, then anchor value)
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."LIM_FRONT_0" AS
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
    FROM "IDENTITY_WORK"."LIM_EDGES" e
    JOIN "IDENTITY_WORK"."LIM_FRONT_1" f ON e.u = f.node
    JOIN "IDENTITY_WORK"."NODES" a ON f.anchor = a.node_id
    WHERE e.v NOT IN (SELECT node FROM "IDENTITY_WORK"."LIM_SEEN_1")
    GROUP BY e.v, f.anchor, a.id_value
  ) c
) r
WHERE pos = 1;
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."LIM_SEEN_0" AS
SELECT node, anchor, anchors FROM "IDENTITY_WORK"."LIM_SEEN_1"
UNION ALL
SELECT node, anchor, anchors FROM "IDENTITY_WORK"."LIM_FRONT_0";
-- 2 rounds must have been enough
-- check: this count must be 0, else: the loop did not finish in the unrolled rounds; compile with more --rounds
SELECT COUNT(*) FROM "IDENTITY_WORK"."LIM_FRONT_0";
-- the refined partition; identifiers no anchor reached stay together
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."GROUPS_1" AS
SELECT node_id,
  CASE
    WHEN violating = 0 THEN grp
    WHEN anchor IS NOT NULL THEN anchor
    ELSE MIN(CASE WHEN anchor IS NULL THEN node_id END) OVER (PARTITION BY grp)
  END AS grp
FROM (
  SELECT g.node_id, g.grp, s.anchor,
    CASE WHEN g.grp IN (SELECT grp FROM "IDENTITY_WORK"."LIM_VIOLATING") THEN 1 ELSE 0 END AS violating
  FROM "IDENTITY_WORK"."GROUPS_0" g
  LEFT JOIN "IDENTITY_WORK"."LIM_SEEN_0" s ON g.node_id = s.node
  WHERE s.node IS NULL OR s.anchor IS NOT NULL
) x;

-- ===== stage limit_email: at most 3 email per profile: split the profiles that hold more
-- profiles over the limit
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."LIM_VIOLATING" AS
SELECT g.grp
FROM "IDENTITY_WORK"."GROUPS_1" g
JOIN "IDENTITY_WORK"."NODES" n ON g.node_id = n.node_id
WHERE n.id_type = 'email'
GROUP BY g.grp
HAVING COUNT(*) > 3;
-- their links, both ways
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."LIM_EDGES" AS
SELECT u, v, row_count, last_seen_at
FROM (
  SELECT e.a AS u, e.b AS v, e.row_count, e.last_seen_at, ga.grp AS gu, gb.grp AS gv
  FROM "IDENTITY_WORK"."EDGES" e
  JOIN "IDENTITY_WORK"."GROUPS_1" ga ON e.a = ga.node_id
  JOIN "IDENTITY_WORK"."GROUPS_1" gb ON e.b = gb.node_id
  UNION ALL
  SELECT e.b AS u, e.a AS v, e.row_count, e.last_seen_at, gb.grp AS gu, ga.grp AS gv
  FROM "IDENTITY_WORK"."EDGES" e
  JOIN "IDENTITY_WORK"."GROUPS_1" ga ON e.a = ga.node_id
  JOIN "IDENTITY_WORK"."GROUPS_1" gb ON e.b = gb.node_id
) d
WHERE gu = gv AND gu IN (SELECT grp FROM "IDENTITY_WORK"."LIM_VIOLATING");
-- their identifiers of this type are the anchors
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."LIM_SEEN_0" AS
SELECT g.node_id AS node, g.node_id AS anchor, 0 AS anchors
FROM "IDENTITY_WORK"."GROUPS_1" g
JOIN "IDENTITY_WORK"."NODES" n ON g.node_id = n.node_id
WHERE n.id_type = 'email' AND g.grp IN (SELECT grp FROM "IDENTITY_WORK"."LIM_VIOLATING");
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."LIM_FRONT_0" AS
SELECT node, anchor, anchors FROM "IDENTITY_WORK"."LIM_SEEN_0";

-- rounds 1 to 2; the runner stops when the count below reaches 0 (identifiers reached)
-- ring 1: each identifier next to the last ring joins its best anchor (more rows, then more recent, then anchor value)
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."LIM_FRONT_1" AS
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
    FROM "IDENTITY_WORK"."LIM_EDGES" e
    JOIN "IDENTITY_WORK"."LIM_FRONT_0" f ON e.u = f.node
    JOIN "IDENTITY_WORK"."NODES" a ON f.anchor = a.node_id
    WHERE e.v NOT IN (SELECT node FROM "IDENTITY_WORK"."LIM_SEEN_0")
    GROUP BY e.v, f.anchor, a.id_value
  ) c
) r
WHERE pos = 1;
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."LIM_SEEN_1" AS
SELECT node, anchor, anchors FROM "IDENTITY_WORK"."LIM_SEEN_0"
UNION ALL
SELECT node, anchor, anchors FROM "IDENTITY_WORK"."LIM_FRONT_1";
-- ring 2: each identifier next to the last ring joins its best anchor (more rows, then more recent, then anchor value)
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."LIM_FRONT_0" AS
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
    FROM "IDENTITY_WORK"."LIM_EDGES" e
    JOIN "IDENTITY_WORK"."LIM_FRONT_1" f ON e.u = f.node
    JOIN "IDENTITY_WORK"."NODES" a ON f.anchor = a.node_id
    WHERE e.v NOT IN (SELECT node FROM "IDENTITY_WORK"."LIM_SEEN_1")
    GROUP BY e.v, f.anchor, a.id_value
  ) c
) r
WHERE pos = 1;
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."LIM_SEEN_0" AS
SELECT node, anchor, anchors FROM "IDENTITY_WORK"."LIM_SEEN_1"
UNION ALL
SELECT node, anchor, anchors FROM "IDENTITY_WORK"."LIM_FRONT_0";
-- 2 rounds must have been enough
-- check: this count must be 0, else: the loop did not finish in the unrolled rounds; compile with more --rounds
SELECT COUNT(*) FROM "IDENTITY_WORK"."LIM_FRONT_0";
-- the refined partition; identifiers no anchor reached stay together
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."GROUPS_2" AS
SELECT node_id,
  CASE
    WHEN violating = 0 THEN grp
    WHEN anchor IS NOT NULL THEN anchor
    ELSE MIN(CASE WHEN anchor IS NULL THEN node_id END) OVER (PARTITION BY grp)
  END AS grp
FROM (
  SELECT g.node_id, g.grp, s.anchor,
    CASE WHEN g.grp IN (SELECT grp FROM "IDENTITY_WORK"."LIM_VIOLATING") THEN 1 ELSE 0 END AS violating
  FROM "IDENTITY_WORK"."GROUPS_1" g
  LEFT JOIN "IDENTITY_WORK"."LIM_SEEN_0" s ON g.node_id = s.node
  WHERE s.node IS NULL OR s.anchor IS NOT NULL
) x;

-- ===== stage ids: one universal id per profile, from its anchor identifier
-- every identifier in the graph with its profile
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."ASSIGN" AS
SELECT n.node_id, n.id_type, n.id_value, n.type_rank, n.first_seen_at, n.last_seen_at, n.row_count,
  g.grp AS component
FROM "IDENTITY_WORK"."NODES" n
JOIN "IDENTITY_WORK"."GROUPS_2" g ON n.node_id = g.node_id;
-- anchor: earliest first_seen, then type priority, then value
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."ANCHORS" AS
SELECT component, id_type AS anchor_type, id_value AS anchor_value,
  MD5(('limits' || '|' || id_type || '|' || id_value)) AS universal_id
FROM (
  SELECT component, id_type, id_value,
    ROW_NUMBER() OVER (PARTITION BY component ORDER BY first_seen_at ASC NULLS LAST, type_rank, id_value) AS pos
  FROM "IDENTITY_WORK"."ASSIGN"
) a
WHERE pos = 1;
-- every identifier with its universal id: the next id_graph
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY"."ID_GRAPH__NEXT" AS
SELECT a.universal_id, n.id_type, n.id_value, n.first_seen_at, n.last_seen_at, n.row_count, n.node_id
FROM "IDENTITY_WORK"."ASSIGN" n
JOIN "IDENTITY_WORK"."ANCHORS" a ON n.component = a.component;
-- every identifier's region, quarantined ones too
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_STATE"."REGIONS__NEXT" AS
SELECT n.node_id, COALESCE(l.component, n.node_id) AS region, n.id_type
FROM "IDENTITY_WORK"."NODES" n
LEFT JOIN "IDENTITY_WORK"."LABELS" l ON n.node_id = l.node_id;
