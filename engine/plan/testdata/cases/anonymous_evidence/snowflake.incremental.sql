-- idstitch plan: project anonymous_evidence, warehouse snowflake, components by contraction
-- The runner also records each run in the runs table; that bookkeeping is not part of this script, and run_id is 0 in what it writes.

-- ===== stage region: the identifiers the changed rows touch, the hub decisions they change, and the regions to recompute
-- identifiers on rows that are new, changed or gone
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."TOUCHED" AS
SELECT DISTINCT node_id, id_type, id_value
FROM (
  SELECT n1 AS node_id, 'user_id' AS id_type, v1 AS id_value
  FROM "IDENTITY_WORK"."INS_EVENTS" WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 AS node_id, 'device_id' AS id_type, v2 AS id_value
  FROM "IDENTITY_WORK"."INS_EVENTS" WHERE n2 IS NOT NULL
  UNION ALL SELECT n3 AS node_id, 'anonymous_id' AS id_type, v3 AS id_value
  FROM "IDENTITY_WORK"."INS_EVENTS" WHERE n3 IS NOT NULL
  UNION ALL SELECT n1 AS node_id, 'user_id' AS id_type, v1 AS id_value
  FROM "IDENTITY_WORK"."DEL_EVENTS" WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 AS node_id, 'device_id' AS id_type, v2 AS id_value
  FROM "IDENTITY_WORK"."DEL_EVENTS" WHERE n2 IS NOT NULL
  UNION ALL SELECT n3 AS node_id, 'anonymous_id' AS id_type, v3 AS id_value
  FROM "IDENTITY_WORK"."DEL_EVENTS" WHERE n3 IS NOT NULL
) t;
-- invalid and blocked values, counted over all rows
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."QVALUES_NEW" AS
SELECT CAST(NULL AS VARCHAR) AS id_type, CAST(NULL AS VARCHAR) AS id_value, CAST(NULL AS VARCHAR) AS reason, CAST(NULL AS BIGINT) AS evidence WHERE 1 = 0;
-- touched identifiers, the partners of those whose hub decision flipped, and the regions a changed limit can split
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."SEEDS" AS
SELECT DISTINCT node_id FROM (
  SELECT node_id FROM "IDENTITY_WORK"."TOUCHED"
) s;
-- every identifier of the regions the seeds are in
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."RNODES" AS
SELECT DISTINCT node_id FROM (
  SELECT node_id FROM "IDENTITY_STATE"."REGIONS"
  WHERE region IN (
    SELECT r.region FROM "IDENTITY_STATE"."REGIONS" r JOIN "IDENTITY_WORK"."SEEDS" s ON r.node_id = s.node_id
  )
  UNION ALL
  SELECT node_id FROM "IDENTITY_WORK"."SEEDS"
) n;
-- the value of every identifier on the rows of those regions
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."NAMES" AS
SELECT DISTINCT node_id, id_value FROM (
  SELECT node_id, id_value FROM "IDENTITY"."ID_GRAPH"
  WHERE node_id IN (SELECT node_id FROM "IDENTITY_WORK"."RNODES")
  UNION ALL
  SELECT HASH(id_type, id_value) AS node_id, id_value FROM "IDENTITY"."ID_QUARANTINE"
  WHERE reason IN ('limit_conflict', 'anonymous_isolated', 'anonymous_ambiguous')
  UNION ALL
  SELECT node_id, id_value FROM "IDENTITY_WORK"."TOUCHED"
) n;
-- rows of events in those regions
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."SRC_EVENTS" AS
-- The stored rows that hold one of the identifiers, less those this run replaces, and the new
-- rows that hold one: filtering by identifier first keeps the costlier test to few rows.
SELECT ts, row_hash, n1, n2, n3 FROM (
  SELECT * FROM "IDENTITY_STATE"."ROWS_EVENTS" s WHERE s.n1 IN (SELECT node_id FROM "IDENTITY_WORK"."RNODES") OR s.n2 IN (SELECT node_id FROM "IDENTITY_WORK"."RNODES") OR s.n3 IN (SELECT node_id FROM "IDENTITY_WORK"."RNODES")
) s
WHERE NOT ((ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) AND s.row_hash IN (SELECT row_hash FROM "IDENTITY_WORK"."GONE_EVENTS"))
UNION ALL
SELECT ts, row_hash, n1, n2, n3 FROM "IDENTITY_WORK"."INS_EVENTS" s WHERE s.n1 IN (SELECT node_id FROM "IDENTITY_WORK"."RNODES") OR s.n2 IN (SELECT node_id FROM "IDENTITY_WORK"."RNODES") OR s.n3 IN (SELECT node_id FROM "IDENTITY_WORK"."RNODES");

-- ===== stage components: connected components by randomised contraction
-- round 0: the graph's edges
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."CC_EDGES_0" AS
SELECT e.a, e.b FROM "IDENTITY_WORK"."EDGES" e
JOIN "IDENTITY_WORK"."NODES" na ON e.a = na.node_id
JOIN "IDENTITY_WORK"."NODES" nb ON e.b = nb.node_id
WHERE na.id_type NOT IN ('device_id', 'anonymous_id')
  AND nb.id_type NOT IN ('device_id', 'anonymous_id');

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
WHERE 1 = 1
  AND n.id_type NOT IN ('device_id', 'anonymous_id');

-- ===== stage regions: regions: components of all links, the unit that incremental runs recompute
-- round 0: the graph's edges
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."RC_EDGES_0" AS
SELECT e.a, e.b FROM "IDENTITY_WORK"."EDGES" e;

-- rounds 1 to 2; the runner stops when the count below reaches 0 (edges left)
-- round 1: every node picks the neighbour (or itself) with the smallest hash
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."RC_MAP_1" AS
SELECT v, MIN_BY(u, HASH(u, 1)) AS rep
FROM (
  SELECT a AS v, b AS u FROM "IDENTITY_WORK"."RC_EDGES_0"
  UNION ALL SELECT b AS v, a AS u FROM "IDENTITY_WORK"."RC_EDGES_0"
  UNION ALL SELECT a AS v, a AS u FROM "IDENTITY_WORK"."RC_EDGES_0"
  UNION ALL SELECT b AS v, b AS u FROM "IDENTITY_WORK"."RC_EDGES_0"
) n
GROUP BY v;
-- round 1: rewrite edges onto representatives; drop self-loops
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."RC_EDGES_1" AS
SELECT DISTINCT LEAST(ma.rep, mb.rep) AS a, GREATEST(ma.rep, mb.rep) AS b
FROM "IDENTITY_WORK"."RC_EDGES_0" e
JOIN "IDENTITY_WORK"."RC_MAP_1" ma ON e.a = ma.v
JOIN "IDENTITY_WORK"."RC_MAP_1" mb ON e.b = mb.v
WHERE ma.rep <> mb.rep;
-- round 2: every node picks the neighbour (or itself) with the smallest hash
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."RC_MAP_2" AS
SELECT v, MIN_BY(u, HASH(u, 2)) AS rep
FROM (
  SELECT a AS v, b AS u FROM "IDENTITY_WORK"."RC_EDGES_1"
  UNION ALL SELECT b AS v, a AS u FROM "IDENTITY_WORK"."RC_EDGES_1"
  UNION ALL SELECT a AS v, a AS u FROM "IDENTITY_WORK"."RC_EDGES_1"
  UNION ALL SELECT b AS v, b AS u FROM "IDENTITY_WORK"."RC_EDGES_1"
) n
GROUP BY v;
-- round 2: rewrite edges onto representatives; drop self-loops (in place of the edges of round 0)
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."RC_EDGES_0" AS
SELECT DISTINCT LEAST(ma.rep, mb.rep) AS a, GREATEST(ma.rep, mb.rep) AS b
FROM "IDENTITY_WORK"."RC_EDGES_1" e
JOIN "IDENTITY_WORK"."RC_MAP_2" ma ON e.a = ma.v
JOIN "IDENTITY_WORK"."RC_MAP_2" mb ON e.b = mb.v
WHERE ma.rep <> mb.rep;
-- 2 rounds must have been enough
-- check: this count must be 0, else: the loop did not finish in the unrolled rounds; compile with more --rounds
SELECT COUNT(*) FROM "IDENTITY_WORK"."RC_EDGES_0";
-- compose the 2 round maps, last to first, and label each component with its smallest node id, whatever the random choices
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."REGION_LABELS" AS
WITH
r2 AS (
  SELECT v, rep FROM "IDENTITY_WORK"."RC_MAP_2"
),
r1 AS (
  SELECT m.v, COALESCE(l.rep, m.rep) AS rep
  FROM "IDENTITY_WORK"."RC_MAP_1" m
  LEFT JOIN r2 l ON m.rep = l.v
)
SELECT v AS node_id, MIN(v) OVER (PARTITION BY rep) AS component
FROM r1;

-- ===== stage anonymous: policy evidence: each anonymous identifier joins the one known profile its own rows and their time point to, or none
-- direct evidence: the rows each anonymous identifier shares with each known profile, and when
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."EV_DIRECT" AS
SELECT e.x AS node_id, g.grp, CAST(SUM(e.row_count) AS BIGINT) AS row_count,
  MIN(e.first_seen_at) AS first_seen_at, MAX(e.last_seen_at) AS last_seen_at
FROM (
  SELECT a AS x, b AS y, row_count, first_seen_at, last_seen_at FROM "IDENTITY_WORK"."EDGES"
  UNION ALL SELECT b AS x, a AS y, row_count, first_seen_at, last_seen_at FROM "IDENTITY_WORK"."EDGES"
) e
JOIN "IDENTITY_WORK"."NODES" n ON e.x = n.node_id
JOIN "IDENTITY_WORK"."GROUPS_0" g ON e.y = g.node_id
WHERE n.id_type IN ('device_id', 'anonymous_id')
GROUP BY e.x, g.grp;
-- the profiles of each, the last to sign in on it first
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."EV_RANKED" AS
SELECT node_id, grp, row_count, first_seen_at, last_seen_at,
  COUNT(*) OVER (PARTITION BY node_id) AS profiles,
  ROW_NUMBER() OVER (PARTITION BY node_id ORDER BY first_seen_at DESC NULLS LAST, grp) AS rk
FROM "IDENTITY_WORK"."EV_DIRECT";
-- ring 0: one profile, or the last to sign in when the others' rows lie within 2700s before; else ambiguous
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."EV_SEEN_0" AS
SELECT t.node_id,
  CASE WHEN t.profiles = 1 OR (o.last_seen_at < t.first_seen_at AND o.first_seen_at >= DATEADD(second, -2700, t.first_seen_at))
    THEN t.grp END AS grp,
  t.profiles, t.row_count AS evidence, 0 AS ring
FROM "IDENTITY_WORK"."EV_RANKED" t
LEFT JOIN (
  SELECT node_id, MIN(first_seen_at) AS first_seen_at, MAX(last_seen_at) AS last_seen_at
  FROM "IDENTITY_WORK"."EV_RANKED" WHERE rk > 1 GROUP BY node_id
) o ON t.node_id = o.node_id
WHERE t.rk = 1;
-- ring 0 decided them all
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."EV_FRONT_0" AS
SELECT * FROM "IDENTITY_WORK"."EV_SEEN_0";
-- links between two anonymous identifiers, both ways
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."EV_LINKS" AS
SELECT e.a AS x, e.b AS y FROM "IDENTITY_WORK"."EDGES" e
JOIN "IDENTITY_WORK"."NODES" na ON e.a = na.node_id
JOIN "IDENTITY_WORK"."NODES" nb ON e.b = nb.node_id
WHERE na.id_type IN ('device_id', 'anonymous_id')
  AND nb.id_type IN ('device_id', 'anonymous_id')
UNION ALL
SELECT e.b AS x, e.a AS y FROM "IDENTITY_WORK"."EDGES" e
JOIN "IDENTITY_WORK"."NODES" na ON e.a = na.node_id
JOIN "IDENTITY_WORK"."NODES" nb ON e.b = nb.node_id
WHERE na.id_type IN ('device_id', 'anonymous_id')
  AND nb.id_type IN ('device_id', 'anonymous_id');

-- rounds 1 to 2; the runner stops when the count below reaches 0 (anonymous identifiers reached)
-- ring 1: the undecided anonymous identifiers linked to those ring 0 placed join their profile when all agree
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."EV_FRONT_1" AS
SELECT l.y AS node_id, CASE WHEN COUNT(DISTINCT f.grp) = 1 THEN MIN(f.grp) END AS grp,
  COUNT(DISTINCT f.grp) AS profiles, COUNT(*) AS evidence, 1 AS ring
FROM "IDENTITY_WORK"."EV_LINKS" l
JOIN "IDENTITY_WORK"."EV_FRONT_0" f ON l.x = f.node_id
LEFT JOIN "IDENTITY_WORK"."EV_SEEN_0" s ON l.y = s.node_id
WHERE f.grp IS NOT NULL AND s.node_id IS NULL
GROUP BY l.y;
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."EV_SEEN_1" AS
SELECT node_id, grp, profiles, evidence, ring FROM "IDENTITY_WORK"."EV_SEEN_0"
UNION ALL
SELECT node_id, grp, profiles, evidence, ring FROM "IDENTITY_WORK"."EV_FRONT_1";
-- ring 2: the undecided anonymous identifiers linked to those ring 1 placed join their profile when all agree
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."EV_FRONT_0" AS
SELECT l.y AS node_id, CASE WHEN COUNT(DISTINCT f.grp) = 1 THEN MIN(f.grp) END AS grp,
  COUNT(DISTINCT f.grp) AS profiles, COUNT(*) AS evidence, 2 AS ring
FROM "IDENTITY_WORK"."EV_LINKS" l
JOIN "IDENTITY_WORK"."EV_FRONT_1" f ON l.x = f.node_id
LEFT JOIN "IDENTITY_WORK"."EV_SEEN_1" s ON l.y = s.node_id
WHERE f.grp IS NOT NULL AND s.node_id IS NULL
GROUP BY l.y;
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."EV_SEEN_0" AS
SELECT node_id, grp, profiles, evidence, ring FROM "IDENTITY_WORK"."EV_SEEN_1"
UNION ALL
SELECT node_id, grp, profiles, evidence, ring FROM "IDENTITY_WORK"."EV_FRONT_0";
-- 2 rounds must have been enough
-- check: this count must be 0, else: the loop did not finish in the unrolled rounds; compile with more --rounds
SELECT COUNT(*) FROM "IDENTITY_WORK"."EV_FRONT_0";
-- the final partition: anonymous identifiers no evidence reached stay alone, or with their region when nobody signed in there
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."GROUPS_FINAL" AS
SELECT node_id, grp FROM "IDENTITY_WORK"."GROUPS_0"
UNION ALL
SELECT node_id, grp FROM "IDENTITY_WORK"."EV_SEEN_0" WHERE grp IS NOT NULL
UNION ALL
SELECT n.node_id, CASE WHEN t.region IS NULL THEN COALESCE(r.component, n.node_id) ELSE n.node_id END AS grp
FROM "IDENTITY_WORK"."NODES" n
LEFT JOIN "IDENTITY_WORK"."EV_SEEN_0" s ON n.node_id = s.node_id
LEFT JOIN "IDENTITY_WORK"."REGION_LABELS" r ON n.node_id = r.node_id
LEFT JOIN (
  SELECT DISTINCT r2.component AS region
  FROM "IDENTITY_WORK"."REGION_LABELS" r2 JOIN "IDENTITY_WORK"."EV_SEEN_0" d ON r2.node_id = d.node_id
) t ON r.component = t.region
WHERE s.node_id IS NULL
  AND n.id_type IN ('device_id', 'anonymous_id');
-- anonymous identifiers whose evidence points to several profiles join none
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."EV_AMBIGUOUS" AS
SELECT node_id, profiles FROM "IDENTITY_WORK"."EV_SEEN_0" WHERE grp IS NULL;
DROP TABLE IF EXISTS "IDENTITY_WORK"."EV_RANKED";

-- ===== stage ids: one universal id per profile, from its anchor identifier
-- every identifier in the graph with its profile
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."ASSIGN" AS
SELECT n.node_id, n.id_type, n.id_value, n.type_rank, n.first_seen_at, n.last_seen_at, n.row_count,
  g.grp AS component
FROM "IDENTITY_WORK"."NODES" n
JOIN "IDENTITY_WORK"."GROUPS_FINAL" g ON n.node_id = g.node_id;
-- anchor: earliest first_seen, then type priority, then value
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."ANCHORS" AS
SELECT component, id_type AS anchor_type, id_value AS anchor_value,
  MD5(('anonymous_evidence' || '|' || id_type || '|' || id_value)) AS universal_id
FROM (
  SELECT component, id_type, id_value,
    ROW_NUMBER() OVER (PARTITION BY component ORDER BY first_seen_at ASC NULLS LAST, type_rank, id_value) AS pos
  FROM "IDENTITY_WORK"."ASSIGN"
) a
WHERE pos = 1;
-- every identifier with its universal id
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."GRAPH" AS
SELECT a.universal_id, n.id_type, n.id_value, n.first_seen_at, n.last_seen_at, n.row_count, n.node_id
FROM "IDENTITY_WORK"."ASSIGN" n
JOIN "IDENTITY_WORK"."ANCHORS" a ON n.component = a.component;
-- every identifier's region, quarantined ones too
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."REGIONS_NEW" AS
SELECT n.node_id, COALESCE(l.component, n.node_id) AS region, n.id_type
FROM "IDENTITY_WORK"."NODES" n
LEFT JOIN "IDENTITY_WORK"."REGION_LABELS" l ON n.node_id = l.node_id;

-- ===== stage outputs: the recomputed regions' rows of the output tables, and what changed
-- every identifier whose published rows are replaced
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."REDO" AS
SELECT DISTINCT node_id, id_type, id_value FROM (SELECT node_id, id_type, id_value FROM "IDENTITY_WORK"."NODES" UNION ALL SELECT node_id, id_type, id_value FROM "IDENTITY_WORK"."TOUCHED") r;
-- their published universal ids
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."OLD_MAP" AS
SELECT node_id, universal_id FROM "IDENTITY"."ID_GRAPH" WHERE node_id IN (SELECT node_id FROM "IDENTITY_WORK"."REDO");
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."REDO_IDS" AS
SELECT DISTINCT universal_id FROM (SELECT universal_id FROM "IDENTITY_WORK"."OLD_MAP" UNION ALL SELECT universal_id FROM "IDENTITY_WORK"."GRAPH") u;
-- of those, the identifiers whose published row changes
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."GRAPH_WRITE" AS
SELECT r.node_id FROM "IDENTITY_WORK"."REDO" r
WHERE r.node_id NOT IN (
  SELECT g.node_id
  FROM "IDENTITY_WORK"."GRAPH" g
  JOIN "IDENTITY"."ID_GRAPH" o ON o.node_id = g.node_id
  WHERE o.universal_id = g.universal_id AND o.id_type = g.id_type AND o.id_value = g.id_value AND o.row_count = g.row_count
    AND (o.first_seen_at = g.first_seen_at OR (o.first_seen_at IS NULL AND g.first_seen_at IS NULL))
    AND (o.last_seen_at = g.last_seen_at OR (o.last_seen_at IS NULL AND g.last_seen_at IS NULL))
);
-- and those whose stored region changes
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."REGIONS_WRITE" AS
SELECT r.node_id FROM "IDENTITY_WORK"."REDO" r
WHERE r.node_id NOT IN (
  SELECT n.node_id
  FROM "IDENTITY_WORK"."REGIONS_NEW" n
  JOIN "IDENTITY_STATE"."REGIONS" o ON o.node_id = n.node_id
  WHERE o.region = n.region AND o.id_type = n.id_type
);
-- universal ids that are new, merged, split or quarantined since the last run
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."CHANGES" AS
SELECT CASE
    WHEN p.new_id IS NULL THEN 'quarantine'
    WHEN p.old_id IS NULL THEN 'new'
    WHEN p.old_id IN (SELECT universal_id FROM "IDENTITY_WORK"."GRAPH") THEN 'split'
    ELSE 'merge'
  END AS kind,
  p.old_id AS old_universal_id, p.new_id AS new_universal_id, p.moved AS identifiers
FROM (
  SELECT old_id, new_id, COUNT(*) AS moved
  FROM (
    SELECT o.universal_id AS old_id, n.universal_id AS new_id
    FROM "IDENTITY_WORK"."OLD_MAP" o
    FULL OUTER JOIN "IDENTITY_WORK"."GRAPH" n ON o.node_id = n.node_id
  ) m
  WHERE old_id IS NULL OR new_id IS NULL OR old_id <> new_id
  GROUP BY old_id, new_id
) p
-- identifiers seen for the first time that join a profile which already existed change no id
WHERE NOT (p.old_id IS NULL AND p.new_id IN (SELECT universal_id FROM "IDENTITY_WORK"."OLD_MAP"));
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."PROFILES_REGION" AS
WITH ranked AS (
  SELECT component, id_type, id_value, first_seen_at, last_seen_at,
    ROW_NUMBER() OVER (PARTITION BY component, id_type ORDER BY last_seen_at DESC NULLS LAST, id_value DESC) AS pos
  FROM "IDENTITY_WORK"."ASSIGN"
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
    CAST(COALESCE(SUM(CASE WHEN id_type = 'user_id' THEN n END), 0) AS BIGINT) AS "USER_ID_COUNT",
    MAX(CASE WHEN id_type = 'user_id' THEN latest END) AS "LATEST_USER_ID",
    CAST(COALESCE(SUM(CASE WHEN id_type = 'device_id' THEN n END), 0) AS BIGINT) AS "DEVICE_ID_COUNT",
    MAX(CASE WHEN id_type = 'device_id' THEN latest END) AS "LATEST_DEVICE_ID",
    CAST(COALESCE(SUM(CASE WHEN id_type = 'anonymous_id' THEN n END), 0) AS BIGINT) AS "ANONYMOUS_ID_COUNT",
    MAX(CASE WHEN id_type = 'anonymous_id' THEN latest END) AS "LATEST_ANONYMOUS_ID"
  FROM per_type
  GROUP BY component
)
SELECT a.universal_id, p.first_seen_at, p.last_seen_at, p.identifiers, p."USER_ID_COUNT", p."LATEST_USER_ID", p."DEVICE_ID_COUNT", p."LATEST_DEVICE_ID", p."ANONYMOUS_ID_COUNT", p."LATEST_ANONYMOUS_ID"
FROM per_profile p
JOIN "IDENTITY_WORK"."ANCHORS" a ON p.component = a.component;
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."EDGES_REGION" AS
SELECT ga.universal_id,
  ga.id_type AS id_type_a, ga.id_value AS id_value_a,
  gb.id_type AS id_type_b, gb.id_value AS id_value_b,
  e.row_count, e.first_seen_at, e.last_seen_at, e.sources
FROM "IDENTITY_WORK"."EDGES" e
JOIN "IDENTITY_WORK"."GRAPH" ga ON e.a = ga.node_id
JOIN "IDENTITY_WORK"."GRAPH" gb ON e.b = gb.node_id
-- one universal id per profile: its anchor's, which no other profile has
WHERE ga.universal_id = gb.universal_id;
-- what was kept out of the graph, and why
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY"."ID_QUARANTINE__NEXT" AS
SELECT id_type, id_value, reason, evidence, CAST(0 AS BIGINT) AS run_id
FROM (
  SELECT id_type, id_value, reason, evidence FROM "IDENTITY_WORK"."QVALUES_NEW"
  UNION ALL SELECT q.id_type, q.id_value, q.reason, q.evidence
FROM "IDENTITY"."ID_QUARANTINE" q
WHERE q.reason IN ('limit_conflict', 'anonymous_isolated', 'anonymous_ambiguous')
  AND NOT EXISTS (SELECT 1 FROM "IDENTITY_WORK"."REDO" r WHERE r.id_type = q.id_type AND r.id_value = q.id_value)
  UNION ALL SELECT n.id_type, n.id_value, 'anonymous_ambiguous' AS reason, CAST(q.profiles AS BIGINT) AS evidence
FROM "IDENTITY_WORK"."EV_AMBIGUOUS" q JOIN "IDENTITY_WORK"."NODES" n ON q.node_id = n.node_id
) q;
-- audience members; those already in keep the time they entered
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY"."AUDIENCE_MEMBERS__NEXT" AS
SELECT m.audience, m.universal_id, COALESCE(prev.entered_at, CAST(SYSDATE() AS TIMESTAMP)) AS entered_at
FROM (
  SELECT CAST(NULL AS VARCHAR) AS audience, CAST(NULL AS VARCHAR) AS universal_id FROM "IDENTITY_WORK"."PROFILES_REGION" WHERE 1 = 0
) m
LEFT JOIN "IDENTITY"."AUDIENCE_MEMBERS" prev ON prev.audience = m.audience AND prev.universal_id = m.universal_id
UNION ALL
SELECT audience, universal_id, entered_at FROM "IDENTITY"."AUDIENCE_MEMBERS"
WHERE universal_id NOT IN (SELECT universal_id FROM "IDENTITY_WORK"."REDO_IDS");
-- the published links of those profiles that change or go, and the links that are new or changed
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."EDGES_DIFF" AS
SELECT o.universal_id AS s_universal_id, o.id_type_a AS s_id_type_a, o.id_value_a AS s_id_value_a,
  o.id_type_b AS s_id_type_b, o.id_value_b AS s_id_value_b,
  n.*
FROM (SELECT * FROM "IDENTITY"."ID_EDGES" WHERE universal_id IN (SELECT universal_id FROM "IDENTITY_WORK"."REDO_IDS")) o
FULL OUTER JOIN "IDENTITY_WORK"."EDGES_REGION" n
  ON n.universal_id = o.universal_id AND n.id_type_a = o.id_type_a AND n.id_value_a = o.id_value_a
  AND n.id_type_b = o.id_type_b AND n.id_value_b = o.id_value_b
WHERE o.universal_id IS NULL OR n.universal_id IS NULL OR NOT COALESCE(n.row_count = o.row_count AND n.sources = o.sources
  AND (COALESCE(n.first_seen_at = o.first_seen_at, FALSE) OR (n.first_seen_at IS NULL AND o.first_seen_at IS NULL))
  AND (COALESCE(n.last_seen_at = o.last_seen_at, FALSE) OR (n.last_seen_at IS NULL AND o.last_seen_at IS NULL)), FALSE);
