-- idstitch plan: project minimal, warehouse postgres, components by contraction
-- The runner also records each run in the runs table; that bookkeeping is not part of this script, and run_id is 0 in what it writes.

-- ===== stage setup: schemas and the run history table
CREATE SCHEMA IF NOT EXISTS "identity";
CREATE SCHEMA IF NOT EXISTS "identity_work";
-- every table and view idstitch made here, by project: a run replaces nothing else
CREATE TABLE IF NOT EXISTS "identity"."idstitch_objects" (
  project TEXT,
  schema_name TEXT,
  object_name TEXT
);
CREATE TABLE IF NOT EXISTS "identity"."runs" (
  run_id BIGINT,
  project TEXT,
  started_at TIMESTAMP,
  finished_at TIMESTAMP,
  status TEXT,
  mode TEXT,
  algorithm TEXT,
  rows_read BIGINT,
  nodes BIGINT,
  edges BIGINT,
  components BIGINT,
  largest_component BIGINT,
  rounds BIGINT,
  stage_seconds TEXT,
  error TEXT,
  quarantined TEXT
);
ALTER TABLE "identity"."runs" ADD COLUMN IF NOT EXISTS "quarantined" TEXT;
ALTER TABLE "identity"."runs" ADD COLUMN IF NOT EXISTS "rows_by_source" TEXT;
ALTER TABLE "identity"."runs" ADD COLUMN IF NOT EXISTS "watermarks" TEXT;
ALTER TABLE "identity"."runs" ADD COLUMN IF NOT EXISTS "components_changed" BIGINT;
ALTER TABLE "identity"."runs" ADD COLUMN IF NOT EXISTS "future_rows" BIGINT;
ALTER TABLE "identity"."runs" ADD COLUMN IF NOT EXISTS "controls" TEXT;
-- the published members, read for when each entered
CREATE TABLE IF NOT EXISTS "identity"."audience_members" (
  audience TEXT,
  universal_id TEXT,
  entered_at TIMESTAMP
);
-- every entry into and exit from an audience, across runs
CREATE TABLE IF NOT EXISTS "identity"."audience_history" (
  audience TEXT,
  universal_id TEXT,
  entered_at TIMESTAMP,
  exited_at TIMESTAMP,
  run_id BIGINT
);
-- an empty mapping before the first run, so that every run can compare with the last
CREATE TABLE IF NOT EXISTS "identity"."id_graph" (
  universal_id TEXT,
  id_type TEXT,
  id_value TEXT,
  first_seen_at TIMESTAMP,
  last_seen_at TIMESTAMP,
  row_count BIGINT,
  node_id BIGINT
);
-- every change of universal ids, across runs
CREATE TABLE IF NOT EXISTS "identity"."id_changes" (
  run_id BIGINT,
  changed_at TIMESTAMP,
  kind TEXT,
  old_universal_id TEXT,
  new_universal_id TEXT,
  identifiers BIGINT
);
-- overrides people write between runs
CREATE TABLE IF NOT EXISTS "identity"."overrides" (
  override_id TEXT,
  kind TEXT,
  id_type_a TEXT,
  id_value_a TEXT,
  id_type_b TEXT,
  id_value_b TEXT,
  created_by TEXT,
  reason TEXT,
  created_at TIMESTAMP,
  status TEXT,
  status_detail TEXT,
  status_run_id BIGINT
);
-- requests to forget identifiers, carried out by the next run
CREATE TABLE IF NOT EXISTS "identity"."forget_requests" (
  request_id TEXT,
  action TEXT,
  id_type TEXT,
  id_value TEXT,
  requested_by TEXT,
  requested_at TIMESTAMP
);
-- what was forgotten, as salted hashes
CREATE TABLE IF NOT EXISTS "identity"."forget_audit" (
  value_hash TEXT,
  requested_at TIMESTAMP,
  forgotten_at TIMESTAMP,
  run_id BIGINT
);
CREATE SCHEMA IF NOT EXISTS "identity_state";
-- what the stored state was built from
CREATE TABLE IF NOT EXISTS "identity_state"."meta" (
  section TEXT,
  fingerprint TEXT
);
-- the overrides the last run applied
CREATE TABLE IF NOT EXISTS "identity_state"."overrides" (
  kind TEXT,
  na BIGINT,
  nb BIGINT
);

-- ===== stage extract: per source: each row's identifiers, normalized and checked, with their node ids
-- source signups (signups), kept as the rows read so far
DROP TABLE IF EXISTS "identity_state"."rows_signups__next";
CREATE TABLE "identity_state"."rows_signups__next" AS
SELECT e.*, hashtextextended(concat_ws(chr(31), COALESCE(CAST(ts AS TEXT), '∅'), COALESCE(CAST(v1 AS TEXT), '∅'), COALESCE(CAST(q1 AS TEXT), '∅')), 0) AS row_hash
FROM (
SELECT
  ts,
  v1,
  q1,
  CASE WHEN v1 IS NULL OR q1 IS NOT NULL THEN NULL ELSE hashtextextended(concat_ws(chr(31), 'email', v1), 0) END AS n1
FROM (
  SELECT
    ts,
    v1,
    CAST(NULL AS TEXT) AS q1
  FROM (
    SELECT
      ts,
      NULLIF(r1, '') AS v1
    FROM (
      SELECT
        CAST("ts" AS TIMESTAMP) AS ts,
        NULLIF(CAST("email" AS TEXT), '') AS r1
      FROM "signups"
    ) r
  ) v
) s
) e;
ANALYZE "identity_state"."rows_signups__next";

-- ===== stage nodes: distinct (id_type, value) with a 64-bit node id
DROP TABLE IF EXISTS "identity_work"."nodes";
CREATE UNLOGGED TABLE "identity_work"."nodes" AS
SELECT node_id, id_type, id_value, type_rank,
  MIN(ts) AS first_seen_at, MAX(ts) AS last_seen_at, COUNT(*) AS row_count
FROM (
  SELECT n1 AS node_id, 'email' AS id_type, v1 AS id_value, 0 AS type_rank, ts
  FROM "identity_state"."rows_signups__next" WHERE n1 IS NOT NULL
) i
GROUP BY node_id, id_type, id_value, type_rank;
ANALYZE "identity_work"."nodes";
-- two distinct identifiers must never share a node id
-- check: this count must be 0, else: two different identifiers hashed to the same 64-bit node id; the run stopped so that they are not merged (report this as a bug with the warehouse type)
SELECT COUNT(*) FROM (
  SELECT node_id FROM "identity_work"."nodes" GROUP BY node_id HAVING COUNT(*) > 1
) c;

-- ===== stage edges: identifiers on one row are linked as a star from the row's first identifier
DROP TABLE IF EXISTS "identity_work"."edges";
CREATE UNLOGGED TABLE "identity_work"."edges" AS
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
ANALYZE "identity_work"."edges";

-- ===== stage components: connected components by randomised contraction
-- round 0: the graph's edges
DROP TABLE IF EXISTS "identity_work"."cc_edges_0";
CREATE UNLOGGED TABLE "identity_work"."cc_edges_0" AS
SELECT e.a, e.b FROM "identity_work"."edges" e;
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

-- ===== stage ids: one universal id per profile, from its anchor identifier
-- every identifier in the graph with its profile
DROP TABLE IF EXISTS "identity_work"."assign";
CREATE UNLOGGED TABLE "identity_work"."assign" AS
SELECT n.node_id, n.id_type, n.id_value, n.type_rank, n.first_seen_at, n.last_seen_at, n.row_count,
  COALESCE(l.component, n.node_id) AS component
FROM "identity_work"."nodes" n
LEFT JOIN "identity_work"."labels" l ON n.node_id = l.node_id;
ANALYZE "identity_work"."assign";
DROP TABLE IF EXISTS "identity_work"."labels";
DROP TABLE IF EXISTS "identity_work"."nodes";
-- anchor: earliest first_seen, then type priority, then value
DROP TABLE IF EXISTS "identity_work"."anchors";
CREATE UNLOGGED TABLE "identity_work"."anchors" AS
SELECT component, id_type AS anchor_type, id_value AS anchor_value,
  md5(('minimal' || '|' || id_type || '|' || id_value)) AS universal_id
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
SELECT node_id, component AS region, id_type
FROM "identity_work"."assign";
ANALYZE "identity_state"."regions__next";

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
    CAST(COALESCE(SUM(CASE WHEN id_type = 'email' THEN n END), 0) AS BIGINT) AS "email_count",
    MAX(CASE WHEN id_type = 'email' THEN latest END) AS "latest_email"
  FROM per_type
  GROUP BY component
)
SELECT a.universal_id, p.first_seen_at, p.last_seen_at, p.identifiers, p."email_count", p."latest_email"
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
  SELECT CAST(NULL AS TEXT) AS id_type, CAST(NULL AS TEXT) AS id_value, CAST(NULL AS TEXT) AS reason, CAST(NULL AS BIGINT) AS evidence
  WHERE 1 = 0
) q;
ANALYZE "identity"."id_quarantine__next";
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

-- ===== stage publish: swap the new tables in, all together
BEGIN;
DROP VIEW IF EXISTS "identity"."signups_stitched";
UPDATE "identity"."audience_history" AS h
SET exited_at = CAST(LOCALTIMESTAMP AS TIMESTAMP)
WHERE h.exited_at IS NULL
  AND NOT EXISTS (
    SELECT 1 FROM "identity"."audience_members__next" n
    WHERE n.audience = h.audience AND n.universal_id = h.universal_id
  );
INSERT INTO "identity"."audience_history" (audience, universal_id, entered_at, exited_at, run_id)
SELECT n.audience, n.universal_id, n.entered_at, CAST(NULL AS TIMESTAMP), CAST(0 AS BIGINT)
FROM "identity"."audience_members__next" n
WHERE NOT EXISTS (
  SELECT 1 FROM "identity"."audience_history" h
  WHERE h.exited_at IS NULL AND h.audience = n.audience AND h.universal_id = n.universal_id
);
DROP TABLE IF EXISTS "identity"."id_graph";
ALTER TABLE "identity"."id_graph__next" RENAME TO "id_graph";
DROP TABLE IF EXISTS "identity"."profiles";
ALTER TABLE "identity"."profiles__next" RENAME TO "profiles";
DROP TABLE IF EXISTS "identity"."id_edges";
ALTER TABLE "identity"."id_edges__next" RENAME TO "id_edges";
DROP TABLE IF EXISTS "identity"."id_quarantine";
ALTER TABLE "identity"."id_quarantine__next" RENAME TO "id_quarantine";
DROP TABLE IF EXISTS "identity"."audience_members";
ALTER TABLE "identity"."audience_members__next" RENAME TO "audience_members";
-- source signups with the universal id of each row
CREATE OR REPLACE VIEW "identity"."signups_stitched" AS
SELECT s.*, COALESCE(g1.universal_id, CAST(NULL AS TEXT)) AS universal_id
FROM "signups" s
LEFT JOIN "identity"."id_graph" g1 ON g1.id_type = 'email' AND g1.id_value = NULLIF(NULLIF(CAST(s."email" AS TEXT), ''), '');
DROP TABLE IF EXISTS "identity_state"."rows_signups";
ALTER TABLE "identity_state"."rows_signups__next" RENAME TO "rows_signups";
DROP TABLE IF EXISTS "identity_state"."hubs";
ALTER TABLE "identity_state"."hubs__next" RENAME TO "hubs";
DROP TABLE IF EXISTS "identity_state"."qvalues";
ALTER TABLE "identity_state"."qvalues__next" RENAME TO "qvalues";
DROP TABLE IF EXISTS "identity_state"."regions";
ALTER TABLE "identity_state"."regions__next" RENAME TO "regions";
DELETE FROM "identity_state"."meta" WHERE 1 = 1;
INSERT INTO "identity_state"."meta" (section, fingerprint) VALUES ('layout', '5'), ('audiences', '74234e98afe7498f'), ('checks', '07153e12f26a6f1c'), ('degrees', '441594d595b3469d'), ('id_salt', '245d52144039737c'), ('id_types', 'a75ef9612e0cfe8b'), ('limits', '{}'), ('policy', '439083f38956ba51'), ('sources', '1e5957a4d0647e8e'), ('traits', '74234e98afe7498f');
INSERT INTO "identity"."id_changes" (run_id, changed_at, kind, old_universal_id, new_universal_id, identifiers) SELECT 0, CAST(LOCALTIMESTAMP AS TIMESTAMP), kind, old_universal_id, new_universal_id, identifiers FROM "identity_work"."changes";
COMMIT;
