-- idstitch plan: project all_guards, warehouse postgres, components by contraction
-- The runner also records each run in the runs table; that bookkeeping is not part of this script, and run_id is 0 in what it writes.

-- ===== stage guards: values that are invalid or blocked, and hubs, are kept out of the graph
-- invalid and blocked values
DROP TABLE IF EXISTS "identity_work"."quarantine_values";
CREATE UNLOGGED TABLE "identity_work"."quarantine_values" AS
SELECT id_type, id_value, reason, COUNT(*) AS evidence
FROM (
  SELECT 'user_id' AS id_type, v1 AS id_value, q1 AS reason
  FROM "identity_state"."rows_events__next" WHERE q1 IS NOT NULL
  UNION ALL SELECT 'email' AS id_type, v2 AS id_value, q2 AS reason
  FROM "identity_state"."rows_events__next" WHERE q2 IS NOT NULL
  UNION ALL SELECT 'device_id' AS id_type, v3 AS id_value, q3 AS reason
  FROM "identity_state"."rows_events__next" WHERE q3 IS NOT NULL
  UNION ALL SELECT 'anonymous_id' AS id_type, v4 AS id_value, q4 AS reason
  FROM "identity_state"."rows_events__next" WHERE q4 IS NOT NULL
  UNION ALL SELECT 'email' AS id_type, v1 AS id_value, q1 AS reason
  FROM "identity_state"."rows_orders__next" WHERE q1 IS NOT NULL
  UNION ALL SELECT 'email' AS id_type, v2 AS id_value, q2 AS reason
  FROM "identity_state"."rows_orders__next" WHERE q2 IS NOT NULL
  UNION ALL SELECT 'phone' AS id_type, v3 AS id_value, q3 AS reason
  FROM "identity_state"."rows_orders__next" WHERE q3 IS NOT NULL
  UNION ALL SELECT 'loyalty' AS id_type, v4 AS id_value, q4 AS reason
  FROM "identity_state"."rows_orders__next" WHERE q4 IS NOT NULL
) q
GROUP BY id_type, id_value, reason;
ANALYZE "identity_work"."quarantine_values";
-- hubs: identifiers seen with more distinct identifiers than their type's max_degree
DROP TABLE IF EXISTS "identity_work"."hubs";
CREATE UNLOGGED TABLE "identity_work"."hubs" AS
SELECT node_id, degree
FROM (
  SELECT node AS node_id, max_degree, COUNT(DISTINCT other) AS degree
  FROM (
    SELECT n3 AS node, n1 AS other, 20 AS max_degree
    FROM "identity_state"."rows_events__next" WHERE n3 IS NOT NULL AND n1 IS NOT NULL AND n3 <> n1
    UNION ALL SELECT n3 AS node, n2 AS other, 20 AS max_degree
    FROM "identity_state"."rows_events__next" WHERE n3 IS NOT NULL AND n2 IS NOT NULL AND n3 <> n2
    UNION ALL SELECT n3 AS node, n4 AS other, 20 AS max_degree
    FROM "identity_state"."rows_events__next" WHERE n3 IS NOT NULL AND n4 IS NOT NULL AND n3 <> n4
    UNION ALL SELECT n3 AS node, n1 AS other, 10 AS max_degree
    FROM "identity_state"."rows_orders__next" WHERE n3 IS NOT NULL AND n1 IS NOT NULL AND n3 <> n1
    UNION ALL SELECT n3 AS node, n2 AS other, 10 AS max_degree
    FROM "identity_state"."rows_orders__next" WHERE n3 IS NOT NULL AND n2 IS NOT NULL AND n3 <> n2
    UNION ALL SELECT n3 AS node, n4 AS other, 10 AS max_degree
    FROM "identity_state"."rows_orders__next" WHERE n3 IS NOT NULL AND n4 IS NOT NULL AND n3 <> n4
  ) p
  GROUP BY node, max_degree
) d
WHERE degree > max_degree;
ANALYZE "identity_work"."hubs";
-- source events without its hubs
DROP TABLE IF EXISTS "identity_work"."kept_events";
CREATE UNLOGGED TABLE "identity_work"."kept_events" AS
SELECT ts,
  CASE WHEN n1 IN (SELECT node_id FROM "identity_work"."hubs") THEN NULL ELSE n1 END AS n1,
  CASE WHEN n2 IN (SELECT node_id FROM "identity_work"."hubs") THEN NULL ELSE n2 END AS n2,
  CASE WHEN n3 IN (SELECT node_id FROM "identity_work"."hubs") THEN NULL ELSE n3 END AS n3,
  CASE WHEN n4 IN (SELECT node_id FROM "identity_work"."hubs") THEN NULL ELSE n4 END AS n4
FROM "identity_state"."rows_events__next";
ANALYZE "identity_work"."kept_events";
-- source orders without its hubs
DROP TABLE IF EXISTS "identity_work"."kept_orders";
CREATE UNLOGGED TABLE "identity_work"."kept_orders" AS
SELECT ts,
  CASE WHEN n1 IN (SELECT node_id FROM "identity_work"."hubs") THEN NULL ELSE n1 END AS n1,
  CASE WHEN n2 IN (SELECT node_id FROM "identity_work"."hubs") THEN NULL ELSE n2 END AS n2,
  CASE WHEN n3 IN (SELECT node_id FROM "identity_work"."hubs") THEN NULL ELSE n3 END AS n3,
  CASE WHEN n4 IN (SELECT node_id FROM "identity_work"."hubs") THEN NULL ELSE n4 END AS n4
FROM "identity_state"."rows_orders__next";
ANALYZE "identity_work"."kept_orders";

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
WHERE n.id_type IN ('device_id', 'anonymous_id')
  AND n.node_id NOT IN (SELECT node_id FROM "identity_work"."hubs");
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
DROP TABLE IF EXISTS "identity_work"."anon_clusters";
DROP TABLE IF EXISTS "identity_work"."anon_touch";
DROP TABLE IF EXISTS "identity_work"."groups_2";
