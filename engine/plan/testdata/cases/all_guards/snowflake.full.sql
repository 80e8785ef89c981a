-- idstitch plan: project all_guards, warehouse snowflake, components by contraction
-- The runner also records each run in the runs table; that bookkeeping is not part of this script, and run_id is 0 in what it writes.

-- ===== stage guards: values that are invalid or blocked, and hubs, are kept out of the graph
-- invalid and blocked values
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."QUARANTINE_VALUES" AS
SELECT id_type, id_value, reason, COUNT(*) AS evidence
FROM (
  SELECT 'user_id' AS id_type, v1 AS id_value, q1 AS reason
  FROM "IDENTITY_STATE"."ROWS_EVENTS__NEXT" WHERE q1 IS NOT NULL
  UNION ALL SELECT 'email' AS id_type, v2 AS id_value, q2 AS reason
  FROM "IDENTITY_STATE"."ROWS_EVENTS__NEXT" WHERE q2 IS NOT NULL
  UNION ALL SELECT 'device_id' AS id_type, v3 AS id_value, q3 AS reason
  FROM "IDENTITY_STATE"."ROWS_EVENTS__NEXT" WHERE q3 IS NOT NULL
  UNION ALL SELECT 'anonymous_id' AS id_type, v4 AS id_value, q4 AS reason
  FROM "IDENTITY_STATE"."ROWS_EVENTS__NEXT" WHERE q4 IS NOT NULL
  UNION ALL SELECT 'email' AS id_type, v1 AS id_value, q1 AS reason
  FROM "IDENTITY_STATE"."ROWS_ORDERS__NEXT" WHERE q1 IS NOT NULL
  UNION ALL SELECT 'email' AS id_type, v2 AS id_value, q2 AS reason
  FROM "IDENTITY_STATE"."ROWS_ORDERS__NEXT" WHERE q2 IS NOT NULL
  UNION ALL SELECT 'phone' AS id_type, v3 AS id_value, q3 AS reason
  FROM "IDENTITY_STATE"."ROWS_ORDERS__NEXT" WHERE q3 IS NOT NULL
  UNION ALL SELECT 'loyalty' AS id_type, v4 AS id_value, q4 AS reason
  FROM "IDENTITY_STATE"."ROWS_ORDERS__NEXT" WHERE q4 IS NOT NULL
) q
GROUP BY id_type, id_value, reason;
-- hubs: identifiers seen with more distinct identifiers than their type's max_degree
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."HUBS" AS
SELECT node_id, degree
FROM (
  SELECT node AS node_id, max_degree, COUNT(DISTINCT other) AS degree
  FROM (
    SELECT n3 AS node, n1 AS other, 20 AS max_degree
    FROM "IDENTITY_STATE"."ROWS_EVENTS__NEXT" WHERE n3 IS NOT NULL AND n1 IS NOT NULL AND n3 <> n1
    UNION ALL SELECT n3 AS node, n2 AS other, 20 AS max_degree
    FROM "IDENTITY_STATE"."ROWS_EVENTS__NEXT" WHERE n3 IS NOT NULL AND n2 IS NOT NULL AND n3 <> n2
    UNION ALL SELECT n3 AS node, n4 AS other, 20 AS max_degree
    FROM "IDENTITY_STATE"."ROWS_EVENTS__NEXT" WHERE n3 IS NOT NULL AND n4 IS NOT NULL AND n3 <> n4
    UNION ALL SELECT n3 AS node, n1 AS other, 10 AS max_degree
    FROM "IDENTITY_STATE"."ROWS_ORDERS__NEXT" WHERE n3 IS NOT NULL AND n1 IS NOT NULL AND n3 <> n1
    UNION ALL SELECT n3 AS node, n2 AS other, 10 AS max_degree
    FROM "IDENTITY_STATE"."ROWS_ORDERS__NEXT" WHERE n3 IS NOT NULL AND n2 IS NOT NULL AND n3 <> n2
    UNION ALL SELECT n3 AS node, n4 AS other, 10 AS max_degree
    FROM "IDENTITY_STATE"."ROWS_ORDERS__NEXT" WHERE n3 IS NOT NULL AND n4 IS NOT NULL AND n3 <> n4
  ) p
  GROUP BY node, max_degree
) d
WHERE degree > max_degree;
-- source events without its hubs
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."KEPT_EVENTS" AS
SELECT ts,
  CASE WHEN n1 IN (SELECT node_id FROM "IDENTITY_WORK"."HUBS") THEN NULL ELSE n1 END AS n1,
  CASE WHEN n2 IN (SELECT node_id FROM "IDENTITY_WORK"."HUBS") THEN NULL ELSE n2 END AS n2,
  CASE WHEN n3 IN (SELECT node_id FROM "IDENTITY_WORK"."HUBS") THEN NULL ELSE n3 END AS n3,
  CASE WHEN n4 IN (SELECT node_id FROM "IDENTITY_WORK"."HUBS") THEN NULL ELSE n4 END AS n4
FROM "IDENTITY_STATE"."ROWS_EVENTS__NEXT";
-- source orders without its hubs
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."KEPT_ORDERS" AS
SELECT ts,
  CASE WHEN n1 IN (SELECT node_id FROM "IDENTITY_WORK"."HUBS") THEN NULL ELSE n1 END AS n1,
  CASE WHEN n2 IN (SELECT node_id FROM "IDENTITY_WORK"."HUBS") THEN NULL ELSE n2 END AS n2,
  CASE WHEN n3 IN (SELECT node_id FROM "IDENTITY_WORK"."HUBS") THEN NULL ELSE n3 END AS n3,
  CASE WHEN n4 IN (SELECT node_id FROM "IDENTITY_WORK"."HUBS") THEN NULL ELSE n4 END AS n4
FROM "IDENTITY_STATE"."ROWS_ORDERS__NEXT";

-- ===== stage anonymous: policy isolate: clusters of anonymous identifiers join the one known profile they touch, or none
-- round 0: the graph's edges
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."AC_EDGES_0" AS
SELECT e.a, e.b FROM "IDENTITY_WORK"."EDGES" e
JOIN "IDENTITY_WORK"."NODES" na ON e.a = na.node_id
JOIN "IDENTITY_WORK"."NODES" nb ON e.b = nb.node_id
WHERE na.id_type IN ('device_id', 'anonymous_id')
  AND nb.id_type IN ('device_id', 'anonymous_id');

-- rounds 1 to 2; the runner stops when the count below reaches 0 (edges left)
-- round 1: every node picks the neighbour (or itself) with the smallest hash
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."AC_MAP_1" AS
SELECT v, MIN_BY(u, HASH(u, 1)) AS rep
FROM (
  SELECT a AS v, b AS u FROM "IDENTITY_WORK"."AC_EDGES_0"
  UNION ALL SELECT b AS v, a AS u FROM "IDENTITY_WORK"."AC_EDGES_0"
  UNION ALL SELECT a AS v, a AS u FROM "IDENTITY_WORK"."AC_EDGES_0"
  UNION ALL SELECT b AS v, b AS u FROM "IDENTITY_WORK"."AC_EDGES_0"
) n
GROUP BY v;
-- round 1: rewrite edges onto representatives; drop self-loops
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."AC_EDGES_1" AS
SELECT DISTINCT LEAST(ma.rep, mb.rep) AS a, GREATEST(ma.rep, mb.rep) AS b
FROM "IDENTITY_WORK"."AC_EDGES_0" e
JOIN "IDENTITY_WORK"."AC_MAP_1" ma ON e.a = ma.v
JOIN "IDENTITY_WORK"."AC_MAP_1" mb ON e.b = mb.v
WHERE ma.rep <> mb.rep;
-- round 2: every node picks the neighbour (or itself) with the smallest hash
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."AC_MAP_2" AS
SELECT v, MIN_BY(u, HASH(u, 2)) AS rep
FROM (
  SELECT a AS v, b AS u FROM "IDENTITY_WORK"."AC_EDGES_1"
  UNION ALL SELECT b AS v, a AS u FROM "IDENTITY_WORK"."AC_EDGES_1"
  UNION ALL SELECT a AS v, a AS u FROM "IDENTITY_WORK"."AC_EDGES_1"
  UNION ALL SELECT b AS v, b AS u FROM "IDENTITY_WORK"."AC_EDGES_1"
) n
GROUP BY v;
-- round 2: rewrite edges onto representatives; drop self-loops (in place of the edges of round 0)
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."AC_EDGES_0" AS
SELECT DISTINCT LEAST(ma.rep, mb.rep) AS a, GREATEST(ma.rep, mb.rep) AS b
FROM "IDENTITY_WORK"."AC_EDGES_1" e
JOIN "IDENTITY_WORK"."AC_MAP_2" ma ON e.a = ma.v
JOIN "IDENTITY_WORK"."AC_MAP_2" mb ON e.b = mb.v
WHERE ma.rep <> mb.rep;
-- 2 rounds must have been enough
-- check: this count must be 0, else: the loop did not finish in the unrolled rounds; compile with more --rounds
SELECT COUNT(*) FROM "IDENTITY_WORK"."AC_EDGES_0";
-- compose the 2 round maps, last to first, and label each component with its smallest node id, whatever the random choices
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."ANON_LABELS" AS
WITH
r2 AS (
  SELECT v, rep FROM "IDENTITY_WORK"."AC_MAP_2"
),
r1 AS (
  SELECT m.v, COALESCE(l.rep, m.rep) AS rep
  FROM "IDENTITY_WORK"."AC_MAP_1" m
  LEFT JOIN r2 l ON m.rep = l.v
)
SELECT v AS node_id, MIN(v) OVER (PARTITION BY rep) AS component
FROM r1;
-- clusters of linked anonymous identifiers
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."ANON_CLUSTERS" AS
SELECT n.node_id, COALESCE(l.component, n.node_id) AS cluster
FROM "IDENTITY_WORK"."NODES" n
LEFT JOIN "IDENTITY_WORK"."ANON_LABELS" l ON n.node_id = l.node_id
WHERE n.id_type IN ('device_id', 'anonymous_id')
  AND n.node_id NOT IN (SELECT node_id FROM "IDENTITY_WORK"."HUBS");
-- the known profiles each cluster touches
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."ANON_TOUCH" AS
SELECT c.cluster, COUNT(DISTINCT g.grp) AS profiles, MIN(g.grp) AS grp
FROM (
  SELECT a AS x, b AS y FROM "IDENTITY_WORK"."EDGES"
  UNION ALL SELECT b AS x, a AS y FROM "IDENTITY_WORK"."EDGES"
) e
JOIN "IDENTITY_WORK"."ANON_CLUSTERS" c ON e.x = c.node_id
JOIN "IDENTITY_WORK"."GROUPS_2" g ON e.y = g.node_id
GROUP BY c.cluster;
-- clusters touching more than one known profile join none
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."ANON_ISOLATED" AS
SELECT c.node_id, t.profiles
FROM "IDENTITY_WORK"."ANON_CLUSTERS" c
JOIN "IDENTITY_WORK"."ANON_TOUCH" t ON c.cluster = t.cluster
WHERE t.profiles > 1;
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."GROUPS_FINAL" AS
SELECT node_id, grp FROM "IDENTITY_WORK"."GROUPS_2"
UNION ALL
SELECT c.node_id, COALESCE(t.grp, c.cluster) AS grp
FROM "IDENTITY_WORK"."ANON_CLUSTERS" c
LEFT JOIN "IDENTITY_WORK"."ANON_TOUCH" t ON c.cluster = t.cluster
WHERE COALESCE(t.profiles, 0) <= 1;
