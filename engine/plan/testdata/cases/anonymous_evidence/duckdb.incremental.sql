-- idstitch plan: project anonymous_evidence, warehouse duckdb, components by contraction
-- The runner also records each run in the runs table; that bookkeeping is not part of this script, and run_id is 0 in what it writes.

-- ===== stage region: the identifiers the changed rows touch, the hub decisions they change, and the regions to recompute
-- identifiers on rows that are new, changed or gone
CREATE OR REPLACE TABLE "identity_work".main."touched" AS
SELECT DISTINCT node_id, id_type, id_value
FROM (
  SELECT n1 AS node_id, 'user_id' AS id_type, v1 AS id_value
  FROM "identity_work".main."ins_events" WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 AS node_id, 'device_id' AS id_type, v2 AS id_value
  FROM "identity_work".main."ins_events" WHERE n2 IS NOT NULL
  UNION ALL SELECT n3 AS node_id, 'anonymous_id' AS id_type, v3 AS id_value
  FROM "identity_work".main."ins_events" WHERE n3 IS NOT NULL
  UNION ALL SELECT n1 AS node_id, 'user_id' AS id_type, v1 AS id_value
  FROM "identity_work".main."del_events" WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 AS node_id, 'device_id' AS id_type, v2 AS id_value
  FROM "identity_work".main."del_events" WHERE n2 IS NOT NULL
  UNION ALL SELECT n3 AS node_id, 'anonymous_id' AS id_type, v3 AS id_value
  FROM "identity_work".main."del_events" WHERE n3 IS NOT NULL
) t;
DROP TABLE IF EXISTS "identity_work".main."del_events";
-- invalid and blocked values, counted over all rows
CREATE OR REPLACE TABLE "identity_work".main."qvalues_new" AS
SELECT CAST(NULL AS VARCHAR) AS id_type, CAST(NULL AS VARCHAR) AS id_value, CAST(NULL AS VARCHAR) AS reason, CAST(NULL AS BIGINT) AS evidence WHERE 1 = 0;
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
  WHERE reason IN ('limit_conflict', 'anonymous_isolated', 'anonymous_ambiguous')
  UNION ALL
  SELECT node_id, id_value FROM "identity_work".main."touched"
) n;
-- rows of events in those regions
CREATE OR REPLACE TABLE "identity_work".main."src_events" AS
-- The stored rows that hold one of the identifiers, less those this run replaces, and the new
-- rows that hold one: filtering by identifier first keeps the costlier test to few rows.
SELECT ts, row_hash, n1, n2, n3 FROM (
  SELECT * FROM "identity_state"."rows_events" s WHERE s.n1 IN (SELECT node_id FROM "identity_work".main."rnodes") OR s.n2 IN (SELECT node_id FROM "identity_work".main."rnodes") OR s.n3 IN (SELECT node_id FROM "identity_work".main."rnodes")
) s
WHERE NOT ((ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) AND s.row_hash IN (SELECT row_hash FROM "identity_work".main."gone_events"))
UNION ALL
SELECT ts, row_hash, n1, n2, n3 FROM "identity_work".main."ins_events" s WHERE s.n1 IN (SELECT node_id FROM "identity_work".main."rnodes") OR s.n2 IN (SELECT node_id FROM "identity_work".main."rnodes") OR s.n3 IN (SELECT node_id FROM "identity_work".main."rnodes");
DROP TABLE IF EXISTS "identity_work".main."rnodes";

-- ===== stage components: connected components by randomised contraction
-- round 0: the graph's edges
CREATE OR REPLACE TABLE "identity_work".main."cc_edges_0" AS
SELECT e.a, e.b FROM "identity_work".main."edges" e
JOIN "identity_work".main."nodes" na ON e.a = na.node_id
JOIN "identity_work".main."nodes" nb ON e.b = nb.node_id
WHERE na.id_type NOT IN ('device_id', 'anonymous_id')
  AND nb.id_type NOT IN ('device_id', 'anonymous_id');

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
WHERE 1 = 1
  AND n.id_type NOT IN ('device_id', 'anonymous_id');
DROP TABLE IF EXISTS "identity_work".main."labels";

-- ===== stage regions: regions: components of all links, the unit that incremental runs recompute
-- round 0: the graph's edges
CREATE OR REPLACE TABLE "identity_work".main."rc_edges_0" AS
SELECT e.a, e.b FROM "identity_work".main."edges" e;

-- rounds 1 to 2; the runner stops when the count below reaches 0 (edges left)
-- round 1: every node picks the neighbour (or itself) with the smallest hash
CREATE OR REPLACE TABLE "identity_work".main."rc_map_1" AS
SELECT v, arg_min(u, CAST(CAST(hash(u, 1) AS HUGEINT) - 9223372036854775808 AS BIGINT)) AS rep
FROM (
  SELECT a AS v, b AS u FROM "identity_work".main."rc_edges_0"
  UNION ALL SELECT b AS v, a AS u FROM "identity_work".main."rc_edges_0"
  UNION ALL SELECT a AS v, a AS u FROM "identity_work".main."rc_edges_0"
  UNION ALL SELECT b AS v, b AS u FROM "identity_work".main."rc_edges_0"
) n
GROUP BY v;
-- round 1: rewrite edges onto representatives; drop self-loops
CREATE OR REPLACE TABLE "identity_work".main."rc_edges_1" AS
SELECT DISTINCT LEAST(ma.rep, mb.rep) AS a, GREATEST(ma.rep, mb.rep) AS b
FROM "identity_work".main."rc_edges_0" e
JOIN "identity_work".main."rc_map_1" ma ON e.a = ma.v
JOIN "identity_work".main."rc_map_1" mb ON e.b = mb.v
WHERE ma.rep <> mb.rep;
-- round 2: every node picks the neighbour (or itself) with the smallest hash
CREATE OR REPLACE TABLE "identity_work".main."rc_map_2" AS
SELECT v, arg_min(u, CAST(CAST(hash(u, 2) AS HUGEINT) - 9223372036854775808 AS BIGINT)) AS rep
FROM (
  SELECT a AS v, b AS u FROM "identity_work".main."rc_edges_1"
  UNION ALL SELECT b AS v, a AS u FROM "identity_work".main."rc_edges_1"
  UNION ALL SELECT a AS v, a AS u FROM "identity_work".main."rc_edges_1"
  UNION ALL SELECT b AS v, b AS u FROM "identity_work".main."rc_edges_1"
) n
GROUP BY v;
-- round 2: rewrite edges onto representatives; drop self-loops (in place of the edges of round 0)
CREATE OR REPLACE TABLE "identity_work".main."rc_edges_0" AS
SELECT DISTINCT LEAST(ma.rep, mb.rep) AS a, GREATEST(ma.rep, mb.rep) AS b
FROM "identity_work".main."rc_edges_1" e
JOIN "identity_work".main."rc_map_2" ma ON e.a = ma.v
JOIN "identity_work".main."rc_map_2" mb ON e.b = mb.v
WHERE ma.rep <> mb.rep;
-- 2 rounds must have been enough
-- check: this count must be 0, else: the loop did not finish in the unrolled rounds; compile with more --rounds
SELECT COUNT(*) FROM "identity_work".main."rc_edges_0";
-- compose the 2 round maps, last to first, and label each component with its smallest node id, whatever the random choices
CREATE OR REPLACE TABLE "identity_work".main."region_labels" AS
WITH
r2 AS (
  SELECT v, rep FROM "identity_work".main."rc_map_2"
),
r1 AS (
  SELECT m.v, COALESCE(l.rep, m.rep) AS rep
  FROM "identity_work".main."rc_map_1" m
  LEFT JOIN r2 l ON m.rep = l.v
)
SELECT v AS node_id, MIN(v) OVER (PARTITION BY rep) AS component
FROM r1;
DROP TABLE IF EXISTS "identity_work".main."rc_edges_0";
DROP TABLE IF EXISTS "identity_work".main."rc_edges_1";
DROP TABLE IF EXISTS "identity_work".main."rc_map_1";
DROP TABLE IF EXISTS "identity_work".main."rc_map_2";

-- ===== stage anonymous: policy evidence: each anonymous identifier joins the one known profile its own rows and their time point to, or none
-- direct evidence: the rows each anonymous identifier shares with each known profile, and when
CREATE OR REPLACE TABLE "identity_work".main."ev_direct" AS
SELECT e.x AS node_id, g.grp, CAST(SUM(e.row_count) AS BIGINT) AS row_count,
  MIN(e.first_seen_at) AS first_seen_at, MAX(e.last_seen_at) AS last_seen_at
FROM (
  SELECT a AS x, b AS y, row_count, first_seen_at, last_seen_at FROM "identity_work".main."edges"
  UNION ALL SELECT b AS x, a AS y, row_count, first_seen_at, last_seen_at FROM "identity_work".main."edges"
) e
JOIN "identity_work".main."nodes" n ON e.x = n.node_id
JOIN "identity_work".main."groups_0" g ON e.y = g.node_id
WHERE n.id_type IN ('device_id', 'anonymous_id')
GROUP BY e.x, g.grp;
-- the profiles of each, the last to sign in on it first
CREATE OR REPLACE TABLE "identity_work".main."ev_ranked" AS
SELECT node_id, grp, row_count, first_seen_at, last_seen_at,
  COUNT(*) OVER (PARTITION BY node_id) AS profiles,
  ROW_NUMBER() OVER (PARTITION BY node_id ORDER BY first_seen_at DESC NULLS LAST, grp) AS rk
FROM "identity_work".main."ev_direct";
DROP TABLE IF EXISTS "identity_work".main."ev_direct";
-- ring 0: one profile, or the last to sign in when the others' rows lie within 2700s before; else ambiguous
CREATE OR REPLACE TABLE "identity_work".main."ev_seen_0" AS
SELECT t.node_id,
  CASE WHEN t.profiles = 1 OR (o.last_seen_at < t.first_seen_at AND o.first_seen_at >= (t.first_seen_at - INTERVAL '2700 seconds'))
    THEN t.grp END AS grp,
  t.profiles, t.row_count AS evidence, 0 AS ring
FROM "identity_work".main."ev_ranked" t
LEFT JOIN (
  SELECT node_id, MIN(first_seen_at) AS first_seen_at, MAX(last_seen_at) AS last_seen_at
  FROM "identity_work".main."ev_ranked" WHERE rk > 1 GROUP BY node_id
) o ON t.node_id = o.node_id
WHERE t.rk = 1;
-- ring 0 decided them all
CREATE OR REPLACE TABLE "identity_work".main."ev_front_0" AS
SELECT * FROM "identity_work".main."ev_seen_0";
-- links between two anonymous identifiers, both ways
CREATE OR REPLACE TABLE "identity_work".main."ev_links" AS
SELECT e.a AS x, e.b AS y FROM "identity_work".main."edges" e
JOIN "identity_work".main."nodes" na ON e.a = na.node_id
JOIN "identity_work".main."nodes" nb ON e.b = nb.node_id
WHERE na.id_type IN ('device_id', 'anonymous_id')
  AND nb.id_type IN ('device_id', 'anonymous_id')
UNION ALL
SELECT e.b AS x, e.a AS y FROM "identity_work".main."edges" e
JOIN "identity_work".main."nodes" na ON e.a = na.node_id
JOIN "identity_work".main."nodes" nb ON e.b = nb.node_id
WHERE na.id_type IN ('device_id', 'anonymous_id')
  AND nb.id_type IN ('device_id', 'anonymous_id');

-- rounds 1 to 2; the runner stops when the count below reaches 0 (anonymous identifiers reached)
-- ring 1: the undecided anonymous identifiers linked to those ring 0 placed join their profile when all agree
CREATE OR REPLACE TABLE "identity_work".main."ev_front_1" AS
SELECT l.y AS node_id, CASE WHEN COUNT(DISTINCT f.grp) = 1 THEN MIN(f.grp) END AS grp,
  COUNT(DISTINCT f.grp) AS profiles, COUNT(*) AS evidence, 1 AS ring
FROM "identity_work".main."ev_links" l
JOIN "identity_work".main."ev_front_0" f ON l.x = f.node_id
LEFT JOIN "identity_work".main."ev_seen_0" s ON l.y = s.node_id
WHERE f.grp IS NOT NULL AND s.node_id IS NULL
GROUP BY l.y;
CREATE OR REPLACE TABLE "identity_work".main."ev_seen_1" AS
SELECT node_id, grp, profiles, evidence, ring FROM "identity_work".main."ev_seen_0"
UNION ALL
SELECT node_id, grp, profiles, evidence, ring FROM "identity_work".main."ev_front_1";
-- ring 2: the undecided anonymous identifiers linked to those ring 1 placed join their profile when all agree
CREATE OR REPLACE TABLE "identity_work".main."ev_front_0" AS
SELECT l.y AS node_id, CASE WHEN COUNT(DISTINCT f.grp) = 1 THEN MIN(f.grp) END AS grp,
  COUNT(DISTINCT f.grp) AS profiles, COUNT(*) AS evidence, 2 AS ring
FROM "identity_work".main."ev_links" l
JOIN "identity_work".main."ev_front_1" f ON l.x = f.node_id
LEFT JOIN "identity_work".main."ev_seen_1" s ON l.y = s.node_id
WHERE f.grp IS NOT NULL AND s.node_id IS NULL
GROUP BY l.y;
CREATE OR REPLACE TABLE "identity_work".main."ev_seen_0" AS
SELECT node_id, grp, profiles, evidence, ring FROM "identity_work".main."ev_seen_1"
UNION ALL
SELECT node_id, grp, profiles, evidence, ring FROM "identity_work".main."ev_front_0";
-- 2 rounds must have been enough
-- check: this count must be 0, else: the loop did not finish in the unrolled rounds; compile with more --rounds
SELECT COUNT(*) FROM "identity_work".main."ev_front_0";
-- the final partition: anonymous identifiers no evidence reached stay alone, or with their region when nobody signed in there
CREATE OR REPLACE TABLE "identity_work".main."groups_final" AS
SELECT node_id, grp FROM "identity_work".main."groups_0"
UNION ALL
SELECT node_id, grp FROM "identity_work".main."ev_seen_0" WHERE grp IS NOT NULL
UNION ALL
SELECT n.node_id, CASE WHEN t.region IS NULL THEN COALESCE(r.component, n.node_id) ELSE n.node_id END AS grp
FROM "identity_work".main."nodes" n
LEFT JOIN "identity_work".main."ev_seen_0" s ON n.node_id = s.node_id
LEFT JOIN "identity_work".main."region_labels" r ON n.node_id = r.node_id
LEFT JOIN (
  SELECT DISTINCT r2.component AS region
  FROM "identity_work".main."region_labels" r2 JOIN "identity_work".main."ev_seen_0" d ON r2.node_id = d.node_id
) t ON r.component = t.region
WHERE s.node_id IS NULL
  AND n.id_type IN ('device_id', 'anonymous_id');
-- anonymous identifiers whose evidence points to several profiles join none
CREATE OR REPLACE TABLE "identity_work".main."ev_ambiguous" AS
SELECT node_id, profiles FROM "identity_work".main."ev_seen_0" WHERE grp IS NULL;
DROP TABLE IF EXISTS "identity_work".main."ev_ranked";
DROP TABLE IF EXISTS "identity_work".main."ev_front_0";
DROP TABLE IF EXISTS "identity_work".main."ev_front_1";
DROP TABLE IF EXISTS "identity_work".main."ev_links";
DROP TABLE IF EXISTS "identity_work".main."ev_seen_0";
DROP TABLE IF EXISTS "identity_work".main."ev_seen_1";
DROP TABLE IF EXISTS "identity_work".main."groups_0";

-- ===== stage ids: one universal id per profile, from its anchor identifier
-- every identifier in the graph with its profile
CREATE OR REPLACE TABLE "identity_work".main."assign" AS
SELECT n.node_id, n.id_type, n.id_value, n.type_rank, n.first_seen_at, n.last_seen_at, n.row_count,
  g.grp AS component
FROM "identity_work".main."nodes" n
JOIN "identity_work".main."groups_final" g ON n.node_id = g.node_id;
DROP TABLE IF EXISTS "identity_work".main."groups_final";
-- anchor: earliest first_seen, then type priority, then value
CREATE OR REPLACE TABLE "identity_work".main."anchors" AS
SELECT component, anchor.id_type AS anchor_type, anchor.id_value AS anchor_value,
  md5(('anonymous_evidence' || '|' || anchor.id_type || '|' || anchor.id_value)) AS universal_id
FROM (
  SELECT component,
    arg_min({id_type: id_type, id_value: id_value}, (COALESCE(first_seen_at, TIMESTAMP '9999-12-31'), type_rank, id_value)) AS anchor
  FROM "identity_work".main."assign"
  GROUP BY component
) a;
-- every identifier with its universal id
CREATE OR REPLACE TABLE "identity_work".main."graph" AS
SELECT a.universal_id, n.id_type, n.id_value, n.first_seen_at, n.last_seen_at, n.row_count, n.node_id
FROM "identity_work".main."assign" n
JOIN "identity_work".main."anchors" a ON n.component = a.component;
-- every identifier's region, quarantined ones too
CREATE OR REPLACE TABLE "identity_work".main."regions_new" AS
SELECT n.node_id, COALESCE(l.component, n.node_id) AS region, n.id_type
FROM "identity_work".main."nodes" n
LEFT JOIN "identity_work".main."region_labels" l ON n.node_id = l.node_id;
DROP TABLE IF EXISTS "identity_work".main."region_labels";

-- ===== stage outputs: the recomputed regions' rows of the output tables, and what changed
-- every identifier whose published rows are replaced
CREATE OR REPLACE TABLE "identity_work".main."redo" AS
SELECT DISTINCT node_id, id_type, id_value FROM (SELECT node_id, id_type, id_value FROM "identity_work".main."nodes" UNION ALL SELECT node_id, id_type, id_value FROM "identity_work".main."touched") r;
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
SELECT a.universal_id, p.first_seen_at, p.last_seen_at, p.identifiers, p."user_id_count", p."latest_user_id", p."device_id_count", p."latest_device_id", p."anonymous_id_count", p."latest_anonymous_id"
FROM (
  SELECT component,
    MIN(first_seen_at) AS first_seen_at,
    MAX(last_seen_at) AS last_seen_at,
    COUNT(*) AS identifiers,
    COUNT(*) FILTER (WHERE id_type = 'user_id') AS "user_id_count",
    arg_max(id_value, (COALESCE(last_seen_at, TIMESTAMP '0001-01-01'), id_value)) FILTER (WHERE id_type = 'user_id') AS "latest_user_id",
    COUNT(*) FILTER (WHERE id_type = 'device_id') AS "device_id_count",
    arg_max(id_value, (COALESCE(last_seen_at, TIMESTAMP '0001-01-01'), id_value)) FILTER (WHERE id_type = 'device_id') AS "latest_device_id",
    COUNT(*) FILTER (WHERE id_type = 'anonymous_id') AS "anonymous_id_count",
    arg_max(id_value, (COALESCE(last_seen_at, TIMESTAMP '0001-01-01'), id_value)) FILTER (WHERE id_type = 'anonymous_id') AS "latest_anonymous_id"
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
WHERE q.reason IN ('limit_conflict', 'anonymous_isolated', 'anonymous_ambiguous')
  AND NOT EXISTS (SELECT 1 FROM "identity_work".main."redo" r WHERE r.id_type = q.id_type AND r.id_value = q.id_value)
  UNION ALL SELECT n.id_type, n.id_value, 'anonymous_ambiguous' AS reason, CAST(q.profiles AS BIGINT) AS evidence
FROM "identity_work".main."ev_ambiguous" q JOIN "identity_work".main."nodes" n ON q.node_id = n.node_id
) q;
DROP TABLE IF EXISTS "identity_work".main."ev_ambiguous";
DROP TABLE IF EXISTS "identity_work".main."nodes";
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
