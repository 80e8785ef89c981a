-- idstitch plan: project minimal, warehouse snowflake, components by contraction
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
  node_id BIGINT
);
-- every change of universal ids, across runs
CREATE TABLE IF NOT EXISTS "IDENTITY"."ID_CHANGES" (
  run_id BIGINT,
  changed_at TIMESTAMP,
  kind VARCHAR,
  old_universal_id VARCHAR,
  new_universal_id VARCHAR,
  identifiers BIGINT
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
-- source signups (signups), kept as the rows read so far
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_STATE"."ROWS_SIGNUPS__NEXT" AS
SELECT e.*, HASH(COALESCE(CAST(ts AS VARCHAR), '∅'), COALESCE(CAST(v1 AS VARCHAR), '∅'), COALESCE(CAST(q1 AS VARCHAR), '∅')) AS row_hash
FROM (
SELECT
  ts,
  v1,
  q1,
  CASE WHEN v1 IS NULL OR q1 IS NOT NULL THEN NULL ELSE HASH('email', v1) END AS n1
FROM (
  SELECT
    ts,
    v1,
    CAST(NULL AS VARCHAR) AS q1
  FROM (
    SELECT
      ts,
      NULLIF(r1, '') AS v1
    FROM (
      SELECT
        CAST("TS" AS TIMESTAMP) AS ts,
        NULLIF(CAST("EMAIL" AS VARCHAR), '') AS r1
      FROM "SIGNUPS"
    ) r
  ) v
) s
) e;

-- ===== stage nodes: distinct (id_type, value) with a 64-bit node id
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."NODES" AS
SELECT node_id, id_type, id_value, type_rank,
  MIN(ts) AS first_seen_at, MAX(ts) AS last_seen_at, COUNT(*) AS row_count
FROM (
  SELECT n1 AS node_id, 'email' AS id_type, v1 AS id_value, 0 AS type_rank, ts
  FROM "IDENTITY_STATE"."ROWS_SIGNUPS__NEXT" WHERE n1 IS NOT NULL
) i
GROUP BY node_id, id_type, id_value, type_rank;
-- two distinct identifiers must never share a node id
-- check: this count must be 0, else: two different identifiers hashed to the same 64-bit node id; the run stopped so that they are not merged (report this as a bug with the warehouse type)
SELECT COUNT(*) FROM (
  SELECT node_id FROM "IDENTITY_WORK"."NODES" GROUP BY node_id HAVING COUNT(*) > 1
) c;

-- ===== stage edges: identifiers on one row are linked as a star from the row's first identifier
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."EDGES" AS
SELECT a, b, row_count, first_seen_at, last_seen_at, SUBSTR('', 2) AS sources
FROM (
  SELECT LEAST(a, b) AS a, GREATEST(a, b) AS b, CAST(COUNT(*) AS BIGINT) AS row_count,
    MIN(ts) AS first_seen_at, MAX(ts) AS last_seen_at
  FROM (
    SELECT CAST(NULL AS BIGINT) AS a, CAST(NULL AS BIGINT) AS b, CAST(NULL AS TIMESTAMP) AS ts
    WHERE 1 = 0
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

-- ===== stage ids: one universal id per profile, from its anchor identifier
-- every identifier in the graph with its profile
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."ASSIGN" AS
SELECT n.node_id, n.id_type, n.id_value, n.type_rank, n.first_seen_at, n.last_seen_at, n.row_count,
  COALESCE(l.component, n.node_id) AS component
FROM "IDENTITY_WORK"."NODES" n
LEFT JOIN "IDENTITY_WORK"."LABELS" l ON n.node_id = l.node_id;
-- anchor: earliest first_seen, then type priority, then value
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."ANCHORS" AS
SELECT component, id_type AS anchor_type, id_value AS anchor_value,
  MD5(('minimal' || '|' || id_type || '|' || id_value)) AS universal_id
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
SELECT node_id, component AS region, id_type
FROM "IDENTITY_WORK"."ASSIGN";

-- ===== stage outputs: output tables, built beside the published ones
-- universal ids that are new, merged, split or quarantined since the last run
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."CHANGES" AS
SELECT CASE
    WHEN p.new_id IS NULL THEN 'quarantine'
    WHEN p.old_id IS NULL THEN 'new'
    WHEN p.old_id IN (SELECT universal_id FROM "IDENTITY"."ID_GRAPH__NEXT") THEN 'split'
    ELSE 'merge'
  END AS kind,
  p.old_id AS old_universal_id, p.new_id AS new_universal_id, p.moved AS identifiers
FROM (
  SELECT old_id, new_id, COUNT(*) AS moved
  FROM (
    SELECT o.universal_id AS old_id, n.universal_id AS new_id
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
    CAST(COALESCE(SUM(CASE WHEN id_type = 'email' THEN n END), 0) AS BIGINT) AS "EMAIL_COUNT",
    MAX(CASE WHEN id_type = 'email' THEN latest END) AS "LATEST_EMAIL"
  FROM per_type
  GROUP BY component
)
SELECT a.universal_id, p.first_seen_at, p.last_seen_at, p.identifiers, p."EMAIL_COUNT", p."LATEST_EMAIL"
FROM per_profile p
JOIN "IDENTITY_WORK"."ANCHORS" a ON p.component = a.component;
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY"."ID_EDGES__NEXT" AS
SELECT ga.universal_id,
  ga.id_type AS id_type_a, ga.id_value AS id_value_a,
  gb.id_type AS id_type_b, gb.id_value AS id_value_b,
  e.row_count, e.first_seen_at, e.last_seen_at, e.sources
FROM "IDENTITY_WORK"."EDGES" e
JOIN "IDENTITY"."ID_GRAPH__NEXT" ga ON e.a = ga.node_id
JOIN "IDENTITY"."ID_GRAPH__NEXT" gb ON e.b = gb.node_id
-- one universal id per profile: its anchor's, which no other profile has
WHERE ga.universal_id = gb.universal_id;
-- what was kept out of the graph, and why
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY"."ID_QUARANTINE__NEXT" AS
SELECT id_type, id_value, reason, evidence, CAST(0 AS BIGINT) AS run_id
FROM (
  SELECT CAST(NULL AS VARCHAR) AS id_type, CAST(NULL AS VARCHAR) AS id_value, CAST(NULL AS VARCHAR) AS reason, CAST(NULL AS BIGINT) AS evidence
  WHERE 1 = 0
) q;
-- audience members; those already in keep the time they entered
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY"."AUDIENCE_MEMBERS__NEXT" AS
SELECT m.audience, m.universal_id, COALESCE(prev.entered_at, CAST(SYSDATE() AS TIMESTAMP)) AS entered_at
FROM (
  SELECT CAST(NULL AS VARCHAR) AS audience, CAST(NULL AS VARCHAR) AS universal_id FROM "IDENTITY"."PROFILES__NEXT" WHERE 1 = 0
) m
LEFT JOIN "IDENTITY"."AUDIENCE_MEMBERS" prev ON prev.audience = m.audience AND prev.universal_id = m.universal_id;
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_STATE"."HUBS__NEXT" AS
SELECT CAST(NULL AS BIGINT) AS node_id, CAST(NULL AS BIGINT) AS degree, CAST(NULL AS VARCHAR) AS id_type, CAST(NULL AS VARCHAR) AS id_value WHERE 1 = 0;
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
-- source signups with the universal id of each row
CREATE OR REPLACE VIEW "IDENTITY"."SIGNUPS_STITCHED" COPY GRANTS AS
SELECT s.*, COALESCE(g1.universal_id, CAST(NULL AS VARCHAR)) AS universal_id
FROM "SIGNUPS" s
LEFT JOIN "IDENTITY"."ID_GRAPH" g1 ON g1.id_type = 'email' AND g1.id_value = NULLIF(NULLIF(CAST(s."EMAIL" AS VARCHAR), ''), '');
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_STATE"."ROWS_SIGNUPS" CLONE "IDENTITY_STATE"."ROWS_SIGNUPS__NEXT" COPY GRANTS;
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
INSERT INTO "IDENTITY_STATE"."META" (section, fingerprint) VALUES ('layout', '5'), ('audiences', '74234e98afe7498f'), ('checks', '07153e12f26a6f1c'), ('degrees', '441594d595b3469d'), ('id_salt', '245d52144039737c'), ('id_types', 'a75ef9612e0cfe8b'), ('limits', '{}'), ('policy', '439083f38956ba51'), ('sources', '1e5957a4d0647e8e'), ('traits', '74234e98afe7498f');
INSERT INTO "IDENTITY"."ID_CHANGES" (run_id, changed_at, kind, old_universal_id, new_universal_id, identifiers) SELECT 0, CAST(SYSDATE() AS TIMESTAMP), kind, old_universal_id, new_universal_id, identifiers FROM "IDENTITY"."ID_CHANGES__NEXT";
COMMIT;
