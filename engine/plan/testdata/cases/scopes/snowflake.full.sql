-- idstitch plan: project scopes, warehouse snowflake, components by contraction
-- The runner also records each run in the runs table; that bookkeeping is not part of this script, and run_id is 0 in what it writes.

-- ===== stage setup: schemas and the run history table
CREATE SCHEMA IF NOT EXISTS "IDENTITY";
CREATE TRANSIENT SCHEMA IF NOT EXISTS "IDENTITY_WORK";
-- every table and view idstitch made here, by project: a run replaces nothing else
CREATE TRANSIENT TABLE IF NOT EXISTS "IDENTITY"."IDSTITCH_OBJECTS" (
  project VARCHAR,
  schema_name VARCHAR,
  object_name VARCHAR
);
CREATE TABLE IF NOT EXISTS "IDENTITY"."RUNS" (
  run_id BIGINT,
  project VARCHAR,
  started_at TIMESTAMP,
  finished_at TIMESTAMP,
  status VARCHAR,
  mode VARCHAR,
  algorithm VARCHAR,
  rows_read BIGINT,
  nodes BIGINT,
  edges BIGINT,
  components BIGINT,
  largest_component BIGINT,
  rounds BIGINT,
  stage_seconds VARCHAR,
  error VARCHAR,
  quarantined VARCHAR
);
ALTER TABLE "IDENTITY"."RUNS" ADD COLUMN IF NOT EXISTS "QUARANTINED" VARCHAR;
ALTER TABLE "IDENTITY"."RUNS" ADD COLUMN IF NOT EXISTS "ROWS_BY_SOURCE" VARCHAR;
ALTER TABLE "IDENTITY"."RUNS" ADD COLUMN IF NOT EXISTS "WATERMARKS" VARCHAR;
ALTER TABLE "IDENTITY"."RUNS" ADD COLUMN IF NOT EXISTS "COMPONENTS_CHANGED" BIGINT;
ALTER TABLE "IDENTITY"."RUNS" ADD COLUMN IF NOT EXISTS "FUTURE_ROWS" BIGINT;
ALTER TABLE "IDENTITY"."RUNS" ADD COLUMN IF NOT EXISTS "CONTROLS" VARCHAR;
-- the published members, read for when each entered
CREATE TABLE IF NOT EXISTS "IDENTITY"."AUDIENCE_MEMBERS" (
  audience VARCHAR,
  universal_id VARCHAR,
  entered_at TIMESTAMP
);
-- every entry into and exit from an audience, across runs
CREATE TABLE IF NOT EXISTS "IDENTITY"."AUDIENCE_HISTORY" (
  audience VARCHAR,
  universal_id VARCHAR,
  entered_at TIMESTAMP,
  exited_at TIMESTAMP,
  run_id BIGINT
);
-- an empty mapping before the first run, so that every run can compare with the last
CREATE TABLE IF NOT EXISTS "IDENTITY"."ID_GRAPH" (
  universal_id VARCHAR,
  id_type VARCHAR,
  id_value VARCHAR,
  first_seen_at TIMESTAMP,
  last_seen_at TIMESTAMP,
  row_count BIGINT,
  node_id BIGINT,
  scope VARCHAR,
  pool VARCHAR
);
-- every change of universal ids, across runs
CREATE TABLE IF NOT EXISTS "IDENTITY"."ID_CHANGES" (
  run_id BIGINT,
  changed_at TIMESTAMP,
  kind VARCHAR,
  old_universal_id VARCHAR,
  new_universal_id VARCHAR,
  identifiers BIGINT,
  pool VARCHAR
);
-- overrides people write between runs
CREATE TABLE IF NOT EXISTS "IDENTITY"."OVERRIDES" (
  override_id VARCHAR,
  kind VARCHAR,
  id_type_a VARCHAR,
  id_value_a VARCHAR,
  id_type_b VARCHAR,
  id_value_b VARCHAR,
  created_by VARCHAR,
  reason VARCHAR,
  created_at TIMESTAMP,
  status VARCHAR,
  status_detail VARCHAR,
  status_run_id BIGINT
);
-- requests to forget identifiers, carried out by the next run
CREATE TABLE IF NOT EXISTS "IDENTITY"."FORGET_REQUESTS" (
  request_id VARCHAR,
  action VARCHAR,
  id_type VARCHAR,
  id_value VARCHAR,
  requested_by VARCHAR,
  requested_at TIMESTAMP
);
-- what was forgotten, as salted hashes
CREATE TABLE IF NOT EXISTS "IDENTITY"."FORGET_AUDIT" (
  value_hash VARCHAR,
  requested_at TIMESTAMP,
  forgotten_at TIMESTAMP,
  run_id BIGINT
);
ALTER TABLE "IDENTITY"."ID_GRAPH" ADD COLUMN IF NOT EXISTS "SCOPE" VARCHAR;
ALTER TABLE "IDENTITY"."ID_GRAPH" ADD COLUMN IF NOT EXISTS "POOL" VARCHAR;
ALTER TABLE "IDENTITY"."ID_CHANGES" ADD COLUMN IF NOT EXISTS "POOL" VARCHAR;
CREATE SCHEMA IF NOT EXISTS "IDENTITY_STATE";
-- what the stored state was built from
CREATE TRANSIENT TABLE IF NOT EXISTS "IDENTITY_STATE"."META" (
  section VARCHAR,
  fingerprint VARCHAR
);
-- the overrides the last run applied
CREATE TRANSIENT TABLE IF NOT EXISTS "IDENTITY_STATE"."OVERRIDES" (
  kind VARCHAR,
  na BIGINT,
  nb BIGINT
);
-- the publish of a full run that has not finished, completed by the next run
CREATE TRANSIENT TABLE IF NOT EXISTS "IDENTITY_STATE"."PUBLISH_JOURNAL" (
  run_id BIGINT,
  seq BIGINT,
  phase VARCHAR,
  statement VARCHAR
);

-- ===== stage extract: per source: each row's identifiers, normalized and checked, with their node ids
-- source events (events), kept as the rows read so far
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_STATE"."ROWS_EVENTS__NEXT" AS
SELECT e.*, HASH(COALESCE(CAST(ts AS VARCHAR), '∅'), COALESCE(CAST(sc AS VARCHAR), '∅'), COALESCE(CAST(v1 AS VARCHAR), '∅'), COALESCE(CAST(q1 AS VARCHAR), '∅'), COALESCE(CAST(v2 AS VARCHAR), '∅'), COALESCE(CAST(q2 AS VARCHAR), '∅')) AS row_hash
FROM (
SELECT
  ts,
  sc,
  pl,
  v1,
  q1,
  CASE WHEN v1 IS NULL OR q1 IS NOT NULL THEN NULL ELSE HASH('user_id', (pl || '|' || v1)) END AS n1,
  v2,
  q2,
  CASE WHEN v2 IS NULL OR q2 IS NOT NULL THEN NULL ELSE HASH('device_id', (sc || '|' || v2)) END AS n2
FROM (
  SELECT
    ts,
    sc,
    CASE sc WHEN 'app1' THEN 'games' WHEN 'app2' THEN 'games' WHEN 'web' THEN 'shop' END AS pl,
    v1,
    CAST(NULL AS VARCHAR) AS q1,
    v2,
    CAST(NULL AS VARCHAR) AS q2
  FROM (
    SELECT
      ts,
      sc,
      NULLIF(r1, '') AS v1,
      NULLIF(r2, '') AS v2
    FROM (
      SELECT
        CAST("TS" AS TIMESTAMP) AS ts,
        CASE CAST("APP_ID" AS VARCHAR) WHEN 'app1' THEN 'app1' WHEN 'app2' THEN 'app2' WHEN 'web' THEN 'web' ELSE 'app1' END AS sc,
        NULLIF(CAST("USER_ID" AS VARCHAR), '') AS r1,
        NULLIF(CAST("DEVICE_ID" AS VARCHAR), '') AS r2
      FROM "EVENTS"
    ) r
  ) v
) s
WHERE sc IS NOT NULL
) e;
-- source crm (crm), kept as the rows read so far
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_STATE"."ROWS_CRM__NEXT" AS
SELECT e.*, HASH(COALESCE(CAST(ts AS VARCHAR), '∅'), COALESCE(CAST(sc AS VARCHAR), '∅'), COALESCE(CAST(v1 AS VARCHAR), '∅'), COALESCE(CAST(q1 AS VARCHAR), '∅'), COALESCE(CAST(v2 AS VARCHAR), '∅'), COALESCE(CAST(q2 AS VARCHAR), '∅')) AS row_hash
FROM (
SELECT
  ts,
  sc,
  pl,
  v1,
  q1,
  CASE WHEN v1 IS NULL OR q1 IS NOT NULL THEN NULL ELSE HASH('user_id', (pl || '|' || v1)) END AS n1,
  v2,
  q2,
  CASE WHEN v2 IS NULL OR q2 IS NOT NULL THEN NULL ELSE HASH('email', (pl || '|' || v2)) END AS n2
FROM (
  SELECT
    ts,
    sc,
    CASE sc WHEN 'app1' THEN 'games' WHEN 'app2' THEN 'games' WHEN 'web' THEN 'shop' END AS pl,
    v1,
    CAST(NULL AS VARCHAR) AS q1,
    v2,
    CAST(NULL AS VARCHAR) AS q2
  FROM (
    SELECT
      ts,
      sc,
      NULLIF(r1, '') AS v1,
      NULLIF(r2, '') AS v2
    FROM (
      SELECT
        CAST("UPDATED_AT" AS TIMESTAMP) AS ts,
        CAST('web' AS VARCHAR) AS sc,
        NULLIF(CAST("CUSTOMER_ID" AS VARCHAR), '') AS r1,
        NULLIF(CAST("EMAIL" AS VARCHAR), '') AS r2
      FROM "CRM"
    ) r
  ) v
) s
WHERE sc IS NOT NULL
) e;

-- ===== stage nodes: distinct (id_type, value) with a 64-bit node id
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."NODES" AS
SELECT node_id, id_type, id_value, type_rank,
  MIN(ts) AS first_seen_at, MAX(ts) AS last_seen_at, COUNT(*) AS row_count
FROM (
  SELECT n1 AS node_id, 'user_id' AS id_type, (pl || '|' || v1) AS id_value, 0 AS type_rank, ts
  FROM "IDENTITY_STATE"."ROWS_EVENTS__NEXT" WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 AS node_id, 'device_id' AS id_type, (sc || '|' || v2) AS id_value, 2 AS type_rank, ts
  FROM "IDENTITY_STATE"."ROWS_EVENTS__NEXT" WHERE n2 IS NOT NULL
  UNION ALL SELECT n1 AS node_id, 'user_id' AS id_type, (pl || '|' || v1) AS id_value, 0 AS type_rank, ts
  FROM "IDENTITY_STATE"."ROWS_CRM__NEXT" WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 AS node_id, 'email' AS id_type, (pl || '|' || v2) AS id_value, 1 AS type_rank, ts
  FROM "IDENTITY_STATE"."ROWS_CRM__NEXT" WHERE n2 IS NOT NULL
) i
GROUP BY node_id, id_type, id_value, type_rank;
-- two distinct identifiers must never share a node id
-- check: this count must be 0, else: two different identifiers hashed to the same 64-bit node id; the run stopped so that they are not merged (report this as a bug with the warehouse type)
SELECT COUNT(*) FROM (
  SELECT node_id FROM "IDENTITY_WORK"."NODES" GROUP BY node_id HAVING COUNT(*) > 1
) c;

-- ===== stage guards: values that are invalid or blocked, and hubs, are kept out of the graph
-- hubs: identifiers seen with more distinct identifiers than their type's max_degree
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."HUBS" AS
SELECT node_id, degree
FROM (
  SELECT node AS node_id, max_degree, COUNT(DISTINCT other) AS degree
  FROM (
    SELECT n2 AS node, n1 AS other, 50 AS max_degree
    FROM "IDENTITY_STATE"."ROWS_EVENTS__NEXT" WHERE n2 IS NOT NULL AND n1 IS NOT NULL AND n2 <> n1
  ) p
  GROUP BY node, max_degree
) d
WHERE degree > max_degree;
-- source events without its hubs
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."KEPT_EVENTS" AS
SELECT ts,
  CASE WHEN n1 IN (SELECT node_id FROM "IDENTITY_WORK"."HUBS") THEN NULL ELSE n1 END AS n1,
  CASE WHEN n2 IN (SELECT node_id FROM "IDENTITY_WORK"."HUBS") THEN NULL ELSE n2 END AS n2
FROM "IDENTITY_STATE"."ROWS_EVENTS__NEXT";
-- source crm without its hubs
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."KEPT_CRM" AS
SELECT ts,
  CASE WHEN n1 IN (SELECT node_id FROM "IDENTITY_WORK"."HUBS") THEN NULL ELSE n1 END AS n1,
  CASE WHEN n2 IN (SELECT node_id FROM "IDENTITY_WORK"."HUBS") THEN NULL ELSE n2 END AS n2
FROM "IDENTITY_STATE"."ROWS_CRM__NEXT";

-- ===== stage edges: identifiers on one row are linked as a star from the row's first identifier
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."EDGES" AS
SELECT a, b, row_count, first_seen_at, last_seen_at, SUBSTR((('' || CASE WHEN s0 = 1 THEN ',crm' ELSE '' END) || CASE WHEN s1 = 1 THEN ',events' ELSE '' END), 2) AS sources
FROM (
  SELECT LEAST(a, b) AS a, GREATEST(a, b) AS b, CAST(COUNT(*) AS BIGINT) AS row_count,
    MIN(ts) AS first_seen_at, MAX(ts) AS last_seen_at, MAX(s0) AS s0, MAX(s1) AS s1
  FROM (
    SELECT COALESCE(n1, n2) AS a, n2 AS b, ts, 0 AS s0, 1 AS s1
    FROM "IDENTITY_WORK"."KEPT_EVENTS" WHERE n2 IS NOT NULL AND n2 <> COALESCE(n1, n2)
    UNION ALL SELECT COALESCE(n1, n2) AS a, n2 AS b, ts, 1 AS s0, 0 AS s1
    FROM "IDENTITY_WORK"."KEPT_CRM" WHERE n2 IS NOT NULL AND n2 <> COALESCE(n1, n2)
  ) e
  GROUP BY LEAST(a, b), GREATEST(a, b)
) g;

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
WHERE 1 = 1
  AND n.node_id NOT IN (SELECT node_id FROM "IDENTITY_WORK"."HUBS");

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

-- ===== stage ids: one universal id per profile, from its anchor identifier
-- every identifier in the graph with its profile
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."ASSIGN" AS
SELECT n.node_id, n.id_type, n.id_value, n.type_rank, n.first_seen_at, n.last_seen_at, n.row_count,
  g.grp AS component
FROM "IDENTITY_WORK"."NODES" n
JOIN "IDENTITY_WORK"."GROUPS_1" g ON n.node_id = g.node_id;
-- anchor: earliest first_seen, then type priority, then value
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."ANCHORS" AS
SELECT component, id_type AS anchor_type, id_value AS anchor_value,
  MD5(('scopes' || '|' || id_type || '|' || id_value)) AS universal_id,
  CASE WHEN id_type IN ('device_id') THEN CASE SUBSTR(id_value, 1, LENGTH(id_value) - LENGTH(REGEXP_REPLACE(id_value, '^[a-z][[:digit:]_a-z]*\\|', '')) - 1) WHEN 'app1' THEN 'games' WHEN 'app2' THEN 'games' WHEN 'web' THEN 'shop' END ELSE SUBSTR(id_value, 1, LENGTH(id_value) - LENGTH(REGEXP_REPLACE(id_value, '^[a-z][[:digit:]_a-z]*\\|', '')) - 1) END AS pool
FROM (
  SELECT component, id_type, id_value,
    ROW_NUMBER() OVER (PARTITION BY component ORDER BY first_seen_at ASC NULLS LAST, type_rank, id_value) AS pos
  FROM "IDENTITY_WORK"."ASSIGN"
) a
WHERE pos = 1;
-- every identifier with its universal id: the next id_graph
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY"."ID_GRAPH__NEXT" AS
SELECT a.universal_id, n.id_type, REGEXP_REPLACE(n.id_value, '^[a-z][[:digit:]_a-z]*\\|', '') AS id_value, n.first_seen_at, n.last_seen_at, n.row_count, n.node_id,
  CASE WHEN n.id_type IN ('device_id') THEN SUBSTR(n.id_value, 1, LENGTH(n.id_value) - LENGTH(REGEXP_REPLACE(n.id_value, '^[a-z][[:digit:]_a-z]*\\|', '')) - 1) END AS scope,
  a.pool
FROM "IDENTITY_WORK"."ASSIGN" n
JOIN "IDENTITY_WORK"."ANCHORS" a ON n.component = a.component;
-- every identifier's region, quarantined ones too
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_STATE"."REGIONS__NEXT" AS
SELECT n.node_id, COALESCE(l.component, n.node_id) AS region, n.id_type
FROM "IDENTITY_WORK"."NODES" n
LEFT JOIN "IDENTITY_WORK"."LABELS" l ON n.node_id = l.node_id
WHERE n.node_id NOT IN (SELECT node_id FROM "IDENTITY_WORK"."HUBS");

-- ===== stage outputs: output tables, built beside the published ones
-- universal ids that are new, merged, split or quarantined since the last run
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."CHANGES" AS
SELECT CASE
    WHEN p.new_id IS NULL THEN 'quarantine'
    WHEN p.old_id IS NULL THEN 'new'
    WHEN p.old_id IN (SELECT universal_id FROM "IDENTITY"."ID_GRAPH__NEXT") THEN 'split'
    ELSE 'merge'
  END AS kind,
  p.old_id AS old_universal_id, p.new_id AS new_universal_id, p.moved AS identifiers, p.pool
FROM (
  SELECT old_id, new_id, COUNT(*) AS moved, MAX(pool) AS pool
  FROM (
    SELECT o.universal_id AS old_id, n.universal_id AS new_id, COALESCE(n.pool, o.pool) AS pool
    FROM "IDENTITY"."ID_GRAPH" o
    FULL OUTER JOIN "IDENTITY"."ID_GRAPH__NEXT" n ON o.node_id = n.node_id
  ) m
  WHERE old_id IS NULL OR new_id IS NULL OR old_id <> new_id
  GROUP BY old_id, new_id
) p
-- identifiers seen for the first time that join a profile which already existed change no id
WHERE NOT (p.old_id IS NULL AND p.new_id IN (SELECT universal_id FROM "IDENTITY"."ID_GRAPH"));
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY"."PROFILES__NEXT" AS
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
    CAST(COALESCE(SUM(CASE WHEN id_type = 'email' THEN n END), 0) AS BIGINT) AS "EMAIL_COUNT",
    MAX(CASE WHEN id_type = 'email' THEN latest END) AS "LATEST_EMAIL",
    CAST(COALESCE(SUM(CASE WHEN id_type = 'device_id' THEN n END), 0) AS BIGINT) AS "DEVICE_ID_COUNT",
    MAX(CASE WHEN id_type = 'device_id' THEN latest END) AS "LATEST_DEVICE_ID"
  FROM per_type
  GROUP BY component
)
SELECT a.universal_id, a.pool, p.first_seen_at, p.last_seen_at, p.identifiers, p."USER_ID_COUNT", REGEXP_REPLACE(p."LATEST_USER_ID", '^[a-z][[:digit:]_a-z]*\\|', '') AS "LATEST_USER_ID", p."EMAIL_COUNT", REGEXP_REPLACE(p."LATEST_EMAIL", '^[a-z][[:digit:]_a-z]*\\|', '') AS "LATEST_EMAIL", p."DEVICE_ID_COUNT", REGEXP_REPLACE(p."LATEST_DEVICE_ID", '^[a-z][[:digit:]_a-z]*\\|', '') AS "LATEST_DEVICE_ID"
FROM per_profile p
JOIN "IDENTITY_WORK"."ANCHORS" a ON p.component = a.component;
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY"."ID_EDGES__NEXT" AS
SELECT ga.universal_id,
  ga.id_type AS id_type_a, ga.id_value AS id_value_a,
  gb.id_type AS id_type_b, gb.id_value AS id_value_b,
  e.row_count, e.first_seen_at, e.last_seen_at, e.sources,
  ga.scope AS scope_a, gb.scope AS scope_b, ga.pool
FROM "IDENTITY_WORK"."EDGES" e
JOIN "IDENTITY"."ID_GRAPH__NEXT" ga ON e.a = ga.node_id
JOIN "IDENTITY"."ID_GRAPH__NEXT" gb ON e.b = gb.node_id
-- one universal id per profile: its anchor's, which no other profile has
WHERE ga.universal_id = gb.universal_id;
-- what was kept out of the graph, and why
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY"."ID_QUARANTINE__NEXT" AS
SELECT id_type, REGEXP_REPLACE(id_value, '^[a-z][[:digit:]_a-z]*\\|', '') AS id_value, reason, evidence, CAST(0 AS BIGINT) AS run_id,
  CASE WHEN id_type IN ('device_id') THEN SUBSTR(id_value, 1, LENGTH(id_value) - LENGTH(REGEXP_REPLACE(id_value, '^[a-z][[:digit:]_a-z]*\\|', '')) - 1) END AS scope,
  CASE WHEN id_type IN ('device_id') THEN CASE SUBSTR(id_value, 1, LENGTH(id_value) - LENGTH(REGEXP_REPLACE(id_value, '^[a-z][[:digit:]_a-z]*\\|', '')) - 1) WHEN 'app1' THEN 'games' WHEN 'app2' THEN 'games' WHEN 'web' THEN 'shop' END ELSE SUBSTR(id_value, 1, LENGTH(id_value) - LENGTH(REGEXP_REPLACE(id_value, '^[a-z][[:digit:]_a-z]*\\|', '')) - 1) END AS pool
FROM (
  SELECT n.id_type, n.id_value, 'hub' AS reason, CAST(q.degree AS BIGINT) AS evidence
FROM "IDENTITY_WORK"."HUBS" q JOIN "IDENTITY_WORK"."NODES" n ON q.node_id = n.node_id
) q;
-- audience members; those already in keep the time they entered
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY"."AUDIENCE_MEMBERS__NEXT" AS
SELECT m.audience, m.universal_id, COALESCE(prev.entered_at, CAST(SYSDATE() AS TIMESTAMP)) AS entered_at
FROM (
  SELECT CAST(NULL AS VARCHAR) AS audience, CAST(NULL AS VARCHAR) AS universal_id FROM "IDENTITY"."PROFILES__NEXT" WHERE 1 = 0
) m
LEFT JOIN "IDENTITY"."AUDIENCE_MEMBERS" prev ON prev.audience = m.audience AND prev.universal_id = m.universal_id;
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_STATE"."HUBS__NEXT" AS
SELECT h.node_id, h.degree, n.id_type, n.id_value FROM "IDENTITY_WORK"."HUBS" h JOIN "IDENTITY_WORK"."NODES" n ON h.node_id = n.node_id;
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_STATE"."QVALUES__NEXT" AS
SELECT CAST(NULL AS VARCHAR) AS id_type, CAST(NULL AS VARCHAR) AS id_value, CAST(NULL AS VARCHAR) AS reason, CAST(NULL AS BIGINT) AS evidence WHERE 1 = 0;
-- the changes, kept for the publish
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY"."ID_CHANGES__NEXT" AS
SELECT * FROM "IDENTITY_WORK"."CHANGES";

-- ===== stage publish: replace each table from its new version, then commit the history and the state together (this warehouse has no transactions over DDL; a publish that stops part-way is completed by the next run)
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY"."ID_GRAPH" CLONE "IDENTITY"."ID_GRAPH__NEXT" COPY GRANTS;
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY"."PROFILES" CLONE "IDENTITY"."PROFILES__NEXT" COPY GRANTS;
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY"."ID_EDGES" CLONE "IDENTITY"."ID_EDGES__NEXT" COPY GRANTS;
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY"."ID_QUARANTINE" CLONE "IDENTITY"."ID_QUARANTINE__NEXT" COPY GRANTS;
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY"."AUDIENCE_MEMBERS" CLONE "IDENTITY"."AUDIENCE_MEMBERS__NEXT" COPY GRANTS;
-- source events with the universal id of each row
CREATE OR REPLACE VIEW "IDENTITY"."EVENTS_STITCHED" COPY GRANTS AS
SELECT s.*, COALESCE(g1.universal_id, g2.universal_id, CAST(NULL AS VARCHAR)) AS universal_id,
  CASE CAST(s."APP_ID" AS VARCHAR) WHEN 'app1' THEN 'app1' WHEN 'app2' THEN 'app2' WHEN 'web' THEN 'web' ELSE 'app1' END AS row_scope,
  CASE CASE CAST(s."APP_ID" AS VARCHAR) WHEN 'app1' THEN 'app1' WHEN 'app2' THEN 'app2' WHEN 'web' THEN 'web' ELSE 'app1' END WHEN 'app1' THEN 'games' WHEN 'app2' THEN 'games' WHEN 'web' THEN 'shop' END AS row_pool
FROM "EVENTS" s
LEFT JOIN "IDENTITY"."ID_GRAPH" g1 ON g1.id_type = 'user_id' AND g1.id_value = NULLIF(NULLIF(CAST(s."USER_ID" AS VARCHAR), ''), '') AND g1.pool = CASE CASE CAST(s."APP_ID" AS VARCHAR) WHEN 'app1' THEN 'app1' WHEN 'app2' THEN 'app2' WHEN 'web' THEN 'web' ELSE 'app1' END WHEN 'app1' THEN 'games' WHEN 'app2' THEN 'games' WHEN 'web' THEN 'shop' END
LEFT JOIN "IDENTITY"."ID_GRAPH" g2 ON g2.id_type = 'device_id' AND g2.id_value = NULLIF(NULLIF(CAST(s."DEVICE_ID" AS VARCHAR), ''), '') AND g2.scope = CASE CAST(s."APP_ID" AS VARCHAR) WHEN 'app1' THEN 'app1' WHEN 'app2' THEN 'app2' WHEN 'web' THEN 'web' ELSE 'app1' END;
-- source crm with the universal id of each row
CREATE OR REPLACE VIEW "IDENTITY"."CRM_STITCHED" COPY GRANTS AS
SELECT s.*, COALESCE(g1.universal_id, g2.universal_id, CAST(NULL AS VARCHAR)) AS universal_id,
  CAST('web' AS VARCHAR) AS row_scope,
  CASE CAST('web' AS VARCHAR) WHEN 'app1' THEN 'games' WHEN 'app2' THEN 'games' WHEN 'web' THEN 'shop' END AS row_pool
FROM "CRM" s
LEFT JOIN "IDENTITY"."ID_GRAPH" g1 ON g1.id_type = 'user_id' AND g1.id_value = NULLIF(NULLIF(CAST(s."CUSTOMER_ID" AS VARCHAR), ''), '') AND g1.pool = CASE CAST('web' AS VARCHAR) WHEN 'app1' THEN 'games' WHEN 'app2' THEN 'games' WHEN 'web' THEN 'shop' END
LEFT JOIN "IDENTITY"."ID_GRAPH" g2 ON g2.id_type = 'email' AND g2.id_value = NULLIF(NULLIF(CAST(s."EMAIL" AS VARCHAR), ''), '') AND g2.pool = CASE CAST('web' AS VARCHAR) WHEN 'app1' THEN 'games' WHEN 'app2' THEN 'games' WHEN 'web' THEN 'shop' END;
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_STATE"."ROWS_EVENTS" CLONE "IDENTITY_STATE"."ROWS_EVENTS__NEXT" COPY GRANTS;
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_STATE"."ROWS_CRM" CLONE "IDENTITY_STATE"."ROWS_CRM__NEXT" COPY GRANTS;
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_STATE"."HUBS" CLONE "IDENTITY_STATE"."HUBS__NEXT" COPY GRANTS;
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_STATE"."QVALUES" CLONE "IDENTITY_STATE"."QVALUES__NEXT" COPY GRANTS;
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_STATE"."REGIONS" CLONE "IDENTITY_STATE"."REGIONS__NEXT" COPY GRANTS;
-- together, once every table is in place (the runner first records this publish in the state's publish_journal, and commits its clearing here)
BEGIN;
UPDATE "IDENTITY"."AUDIENCE_HISTORY" AS h
SET exited_at = CAST(SYSDATE() AS TIMESTAMP)
WHERE h.exited_at IS NULL
  AND NOT EXISTS (
    SELECT 1 FROM "IDENTITY"."AUDIENCE_MEMBERS__NEXT" n
    WHERE n.audience = h.audience AND n.universal_id = h.universal_id
  );
INSERT INTO "IDENTITY"."AUDIENCE_HISTORY" (audience, universal_id, entered_at, exited_at, run_id)
SELECT n.audience, n.universal_id, n.entered_at, CAST(NULL AS TIMESTAMP), CAST(0 AS BIGINT)
FROM "IDENTITY"."AUDIENCE_MEMBERS__NEXT" n
WHERE NOT EXISTS (
  SELECT 1 FROM "IDENTITY"."AUDIENCE_HISTORY" h
  WHERE h.exited_at IS NULL AND h.audience = n.audience AND h.universal_id = n.universal_id
);
DELETE FROM "IDENTITY_STATE"."META" WHERE 1 = 1;
INSERT INTO "IDENTITY_STATE"."META" (section, fingerprint) VALUES ('layout', '5'), ('audiences', '74234e98afe7498f'), ('checks', '4bb1fc6304e2e852'), ('degrees', '42c0ce0b0f403f54'), ('id_salt', 'a1797ec5ecfd6437'), ('id_types', 'd143aeeefd895b1c'), ('limits', '{"user_id":1}'), ('policy', '439083f38956ba51'), ('sources', '8846a5a3a69fe880'), ('traits', '74234e98afe7498f');
INSERT INTO "IDENTITY"."ID_CHANGES" (run_id, changed_at, kind, old_universal_id, new_universal_id, identifiers, pool) SELECT 0, CAST(SYSDATE() AS TIMESTAMP), kind, old_universal_id, new_universal_id, identifiers, pool FROM "IDENTITY"."ID_CHANGES__NEXT";
COMMIT;
