-- idstitch plan: project expressions, warehouse postgres, components by labelprop
-- The runner also records each run in the runs table; that bookkeeping is not part of this script, and run_id is 0 in what it writes.

-- ===== stage setup: schemas and the run history table
CREATE SCHEMA IF NOT EXISTS "customer_360";
CREATE SCHEMA IF NOT EXISTS "customer_360_work";
CREATE TABLE IF NOT EXISTS "customer_360"."runs" (
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
ALTER TABLE "customer_360"."runs" ADD COLUMN IF NOT EXISTS "quarantined" TEXT;
ALTER TABLE "customer_360"."runs" ADD COLUMN IF NOT EXISTS "rows_by_source" TEXT;
ALTER TABLE "customer_360"."runs" ADD COLUMN IF NOT EXISTS "watermarks" TEXT;
ALTER TABLE "customer_360"."runs" ADD COLUMN IF NOT EXISTS "components_changed" BIGINT;
-- the published members, read for when each entered
CREATE TABLE IF NOT EXISTS "customer_360"."audience_members" (
  audience TEXT,
  universal_id TEXT,
  entered_at TIMESTAMP
);
-- every entry into and exit from an audience, across runs
CREATE TABLE IF NOT EXISTS "customer_360"."audience_history" (
  audience TEXT,
  universal_id TEXT,
  entered_at TIMESTAMP,
  exited_at TIMESTAMP,
  run_id BIGINT
);
-- an empty mapping before the first run, so that every run can compare with the last
CREATE TABLE IF NOT EXISTS "customer_360"."id_graph" (
  universal_id TEXT,
  id_type TEXT,
  id_value TEXT,
  first_seen_at TIMESTAMP,
  last_seen_at TIMESTAMP,
  row_count BIGINT,
  node_id BIGINT
);
-- every change of universal ids, across runs
CREATE TABLE IF NOT EXISTS "customer_360"."id_changes" (
  run_id BIGINT,
  changed_at TIMESTAMP,
  kind TEXT,
  old_universal_id TEXT,
  new_universal_id TEXT,
  identifiers BIGINT
);
CREATE SCHEMA IF NOT EXISTS "customer_360_state";
-- what the stored state was built from
CREATE TABLE IF NOT EXISTS "customer_360_state"."meta" (
  section TEXT,
  fingerprint TEXT
);

-- ===== stage extract: per source: each row's identifiers, normalized and checked, with their node ids
-- source web (raw.web_events), kept as the rows read so far
DROP TABLE IF EXISTS "customer_360_state"."rows_web__next";
CREATE TABLE "customer_360_state"."rows_web__next" AS
SELECT e.*, hashtextextended(concat_ws(chr(31), COALESCE(CAST(ts AS TEXT), '∅'), COALESCE(CAST(v1 AS TEXT), '∅'), COALESCE(CAST(q1 AS TEXT), '∅'), COALESCE(CAST(v2 AS TEXT), '∅'), COALESCE(CAST(q2 AS TEXT), '∅'), COALESCE(CAST(v3 AS TEXT), '∅'), COALESCE(CAST(q3 AS TEXT), '∅'), COALESCE(CAST(v4 AS TEXT), '∅'), COALESCE(CAST(q4 AS TEXT), '∅'), COALESCE(CAST(v5 AS TEXT), '∅'), COALESCE(CAST(q5 AS TEXT), '∅')), 0) AS row_hash
FROM (
SELECT
  ts,
  v1,
  q1,
  CASE WHEN v1 IS NULL OR q1 IS NOT NULL THEN NULL ELSE hashtextextended(concat_ws(chr(31), 'user_id', v1), 0) END AS n1,
  v2,
  q2,
  CASE WHEN v2 IS NULL OR q2 IS NOT NULL THEN NULL ELSE hashtextextended(concat_ws(chr(31), 'email', v2), 0) END AS n2,
  v3,
  q3,
  CASE WHEN v3 IS NULL OR q3 IS NOT NULL THEN NULL ELSE hashtextextended(concat_ws(chr(31), 'email', v3), 0) END AS n3,
  v4,
  q4,
  CASE WHEN v4 IS NULL OR q4 IS NOT NULL THEN NULL ELSE hashtextextended(concat_ws(chr(31), 'email', v4), 0) END AS n4,
  v5,
  q5,
  CASE WHEN v5 IS NULL OR q5 IS NOT NULL THEN NULL ELSE hashtextextended(concat_ws(chr(31), 'anonymous_id', v5), 0) END AS n5
FROM (
  SELECT
    ts,
    v1,
    CAST(NULL AS TEXT) AS q1,
    v2,
    CAST(NULL AS TEXT) AS q2,
    v3,
    CAST(NULL AS TEXT) AS q3,
    v4,
    CAST(NULL AS TEXT) AS q4,
    v5,
    CAST(NULL AS TEXT) AS q5
  FROM (
    SELECT
      ts,
      NULLIF(r1, '') AS v1,
      NULLIF(r2, '') AS v2,
      NULLIF(r3, '') AS v3,
      NULLIF(r4, '') AS v4,
      NULLIF(r5, '') AS v5
    FROM (
      SELECT
        CAST("EventTime" AS TIMESTAMP) AS ts,
        NULLIF(CAST((lower(user_ref)) AS TEXT), '') AS r1,
        NULLIF(CAST("email" AS TEXT), '') AS r2,
        NULLIF(CAST("billing_email" AS TEXT), '') AS r3,
        NULLIF(CAST((coalesce(alt_email, '')) AS TEXT), '') AS r4,
        NULLIF(CAST("anonymousId" AS TEXT), '') AS r5
      FROM "raw"."web_events"
      WHERE (event_type <> 'test')
    ) r
  ) v
) s
) e;
ANALYZE "customer_360_state"."rows_web__next";
-- source crm (crm.Contacts), kept as the rows read so far
DROP TABLE IF EXISTS "customer_360_state"."rows_crm__next";
CREATE TABLE "customer_360_state"."rows_crm__next" AS
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
        CAST("updated_at" AS TIMESTAMP) AS ts,
        NULLIF(CAST("email" AS TEXT), '') AS r1
      FROM "crm"."Contacts"
    ) r
  ) v
) s
) e;
ANALYZE "customer_360_state"."rows_crm__next";

-- ===== stage nodes: distinct (id_type, value) with a 64-bit node id
DROP TABLE IF EXISTS "customer_360_work"."nodes";
CREATE UNLOGGED TABLE "customer_360_work"."nodes" AS
SELECT node_id, id_type, id_value, type_rank,
  MIN(ts) AS first_seen_at, MAX(ts) AS last_seen_at, COUNT(*) AS row_count
FROM (
  SELECT n1 AS node_id, 'user_id' AS id_type, v1 AS id_value, 0 AS type_rank, ts
  FROM "customer_360_state"."rows_web__next" WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 AS node_id, 'email' AS id_type, v2 AS id_value, 1 AS type_rank, ts
  FROM "customer_360_state"."rows_web__next" WHERE n2 IS NOT NULL
  UNION ALL SELECT n3 AS node_id, 'email' AS id_type, v3 AS id_value, 1 AS type_rank, ts
  FROM "customer_360_state"."rows_web__next" WHERE n3 IS NOT NULL
  UNION ALL SELECT n4 AS node_id, 'email' AS id_type, v4 AS id_value, 1 AS type_rank, ts
  FROM "customer_360_state"."rows_web__next" WHERE n4 IS NOT NULL
  UNION ALL SELECT n5 AS node_id, 'anonymous_id' AS id_type, v5 AS id_value, 2 AS type_rank, ts
  FROM "customer_360_state"."rows_web__next" WHERE n5 IS NOT NULL
  UNION ALL SELECT n1 AS node_id, 'email' AS id_type, v1 AS id_value, 1 AS type_rank, ts
  FROM "customer_360_state"."rows_crm__next" WHERE n1 IS NOT NULL
) i
GROUP BY node_id, id_type, id_value, type_rank;
ANALYZE "customer_360_work"."nodes";
-- two distinct identifiers must never share a node id
-- check: this count must be 0, else: two different identifiers hashed to the same 64-bit node id; the run stopped so that they are not merged (report this as a bug with the warehouse type)
SELECT COUNT(*) FROM (
  SELECT node_id FROM "customer_360_work"."nodes" GROUP BY node_id HAVING COUNT(*) > 1
) c;

-- ===== stage edges: identifiers on one row are linked as a star from the row's first identifier
DROP TABLE IF EXISTS "customer_360_work"."edges";
CREATE UNLOGGED TABLE "customer_360_work"."edges" AS
SELECT a, b, CAST(SUM(n) AS BIGINT) AS row_count, MIN(first_seen_at) AS first_seen_at, MAX(last_seen_at) AS last_seen_at,
  string_agg(source, ',' ORDER BY source) AS sources
FROM (
  SELECT LEAST(a, b) AS a, GREATEST(a, b) AS b, source, COUNT(*) AS n, MIN(ts) AS first_seen_at, MAX(ts) AS last_seen_at
  FROM (
    SELECT COALESCE(n1, n2, n3, n4, n5) AS a, n2 AS b, ts, 'web' AS source
    FROM "customer_360_state"."rows_web__next" WHERE n2 IS NOT NULL AND n2 <> COALESCE(n1, n2, n3, n4, n5)
    UNION ALL SELECT COALESCE(n1, n2, n3, n4, n5) AS a, n3 AS b, ts, 'web' AS source
    FROM "customer_360_state"."rows_web__next" WHERE n3 IS NOT NULL AND n3 <> COALESCE(n1, n2, n3, n4, n5)
    UNION ALL SELECT COALESCE(n1, n2, n3, n4, n5) AS a, n4 AS b, ts, 'web' AS source
    FROM "customer_360_state"."rows_web__next" WHERE n4 IS NOT NULL AND n4 <> COALESCE(n1, n2, n3, n4, n5)
    UNION ALL SELECT COALESCE(n1, n2, n3, n4, n5) AS a, n5 AS b, ts, 'web' AS source
    FROM "customer_360_state"."rows_web__next" WHERE n5 IS NOT NULL AND n5 <> COALESCE(n1, n2, n3, n4, n5)
  ) e
  GROUP BY LEAST(a, b), GREATEST(a, b), source
) per_source
GROUP BY a, b;
ANALYZE "customer_360_work"."edges";

-- ===== stage components: connected components by label propagation (benchmark baseline)
-- the graph's edges
DROP TABLE IF EXISTS "customer_360_work"."cc_lp_edges";
CREATE UNLOGGED TABLE "customer_360_work"."cc_lp_edges" AS
SELECT e.a, e.b FROM "customer_360_work"."edges" e;
ANALYZE "customer_360_work"."cc_lp_edges";
-- every node starts with its own label
DROP TABLE IF EXISTS "customer_360_work"."cc_lp_0";
CREATE UNLOGGED TABLE "customer_360_work"."cc_lp_0" AS
SELECT v, v AS label FROM (
  SELECT a AS v FROM "customer_360_work"."cc_lp_edges"
  UNION SELECT b AS v FROM "customer_360_work"."cc_lp_edges"
) n;
ANALYZE "customer_360_work"."cc_lp_0";

-- rounds 1 to 3; the runner stops when the count below reaches 0 (labels changed)
-- round 1
DROP TABLE IF EXISTS "customer_360_work"."cc_lp_1";
CREATE UNLOGGED TABLE "customer_360_work"."cc_lp_1" AS
SELECT v, MIN(label) AS label
FROM (
  SELECT v, label FROM "customer_360_work"."cc_lp_0"
  UNION ALL SELECT e.a AS v, l.label FROM "customer_360_work"."cc_lp_edges" e JOIN "customer_360_work"."cc_lp_0" l ON e.b = l.v
  UNION ALL SELECT e.b AS v, l.label FROM "customer_360_work"."cc_lp_edges" e JOIN "customer_360_work"."cc_lp_0" l ON e.a = l.v
) c
GROUP BY v;
ANALYZE "customer_360_work"."cc_lp_1";
-- round 2
DROP TABLE IF EXISTS "customer_360_work"."cc_lp_2";
CREATE UNLOGGED TABLE "customer_360_work"."cc_lp_2" AS
SELECT v, MIN(label) AS label
FROM (
  SELECT v, label FROM "customer_360_work"."cc_lp_1"
  UNION ALL SELECT e.a AS v, l.label FROM "customer_360_work"."cc_lp_edges" e JOIN "customer_360_work"."cc_lp_1" l ON e.b = l.v
  UNION ALL SELECT e.b AS v, l.label FROM "customer_360_work"."cc_lp_edges" e JOIN "customer_360_work"."cc_lp_1" l ON e.a = l.v
) c
GROUP BY v;
ANALYZE "customer_360_work"."cc_lp_2";
DROP TABLE IF EXISTS "customer_360_work"."cc_lp_0";
-- round 3
DROP TABLE IF EXISTS "customer_360_work"."cc_lp_3";
CREATE UNLOGGED TABLE "customer_360_work"."cc_lp_3" AS
SELECT v, MIN(label) AS label
FROM (
  SELECT v, label FROM "customer_360_work"."cc_lp_2"
  UNION ALL SELECT e.a AS v, l.label FROM "customer_360_work"."cc_lp_edges" e JOIN "customer_360_work"."cc_lp_2" l ON e.b = l.v
  UNION ALL SELECT e.b AS v, l.label FROM "customer_360_work"."cc_lp_edges" e JOIN "customer_360_work"."cc_lp_2" l ON e.a = l.v
) c
GROUP BY v;
ANALYZE "customer_360_work"."cc_lp_3";
DROP TABLE IF EXISTS "customer_360_work"."cc_lp_1";
-- 3 rounds must have been enough
-- check: this count must be 0, else: the loop did not finish in the unrolled rounds; compile with more --rounds
SELECT COUNT(*) FROM "customer_360_work"."cc_lp_3" c JOIN "customer_360_work"."cc_lp_2" p ON c.v = p.v WHERE c.label <> p.label;
DROP TABLE IF EXISTS "customer_360_work"."labels";
CREATE UNLOGGED TABLE "customer_360_work"."labels" AS
SELECT v AS node_id, label AS component FROM "customer_360_work"."cc_lp_3";
ANALYZE "customer_360_work"."labels";
DROP TABLE IF EXISTS "customer_360_work"."cc_lp_edges";
DROP TABLE IF EXISTS "customer_360_work"."cc_lp_2";
DROP TABLE IF EXISTS "customer_360_work"."cc_lp_3";

-- ===== stage ids: one universal id per profile, from its anchor identifier
-- every identifier in the graph with its profile
DROP TABLE IF EXISTS "customer_360_work"."assign";
CREATE UNLOGGED TABLE "customer_360_work"."assign" AS
SELECT n.node_id, n.id_type, n.id_value, n.type_rank, n.first_seen_at, n.last_seen_at, n.row_count,
  COALESCE(l.component, n.node_id) AS component
FROM "customer_360_work"."nodes" n
LEFT JOIN "customer_360_work"."labels" l ON n.node_id = l.node_id;
ANALYZE "customer_360_work"."assign";
-- anchor: earliest first_seen, then type priority, then value
DROP TABLE IF EXISTS "customer_360_work"."anchors";
CREATE UNLOGGED TABLE "customer_360_work"."anchors" AS
SELECT component, id_type AS anchor_type, id_value AS anchor_value,
  md5(('salt''with quote' || '|' || id_type || '|' || id_value)) AS universal_id
FROM (
  SELECT component, id_type, id_value,
    ROW_NUMBER() OVER (PARTITION BY component ORDER BY first_seen_at ASC NULLS LAST, type_rank, id_value COLLATE "C") AS pos
  FROM "customer_360_work"."assign"
) a
WHERE pos = 1;
ANALYZE "customer_360_work"."anchors";
-- every identifier with its universal id
DROP TABLE IF EXISTS "customer_360_work"."graph";
CREATE UNLOGGED TABLE "customer_360_work"."graph" AS
SELECT a.universal_id, n.id_type, n.id_value, n.first_seen_at, n.last_seen_at, n.row_count, n.node_id, n.component
FROM "customer_360_work"."assign" n
JOIN "customer_360_work"."anchors" a ON n.component = a.component;
ANALYZE "customer_360_work"."graph";
-- every identifier's region, quarantined ones too
DROP TABLE IF EXISTS "customer_360_state"."regions__next";
CREATE TABLE "customer_360_state"."regions__next" AS
SELECT n.node_id, COALESCE(l.component, n.node_id) AS region, n.id_type
FROM "customer_360_work"."nodes" n
LEFT JOIN "customer_360_work"."labels" l ON n.node_id = l.node_id;
ANALYZE "customer_360_state"."regions__next";

-- ===== stage outputs: output tables, built beside the published ones
DROP TABLE IF EXISTS "customer_360"."id_graph__next";
CREATE TABLE "customer_360"."id_graph__next" AS
SELECT universal_id, id_type, id_value, first_seen_at, last_seen_at, row_count, node_id
FROM "customer_360_work"."graph";
ANALYZE "customer_360"."id_graph__next";
-- universal ids that are new, merged, split or quarantined since the last run
DROP TABLE IF EXISTS "customer_360_work"."changes";
CREATE UNLOGGED TABLE "customer_360_work"."changes" AS
SELECT CASE
    WHEN p.new_id IS NULL THEN 'quarantine'
    WHEN p.old_id IS NULL THEN 'new'
    WHEN p.old_id IN (SELECT universal_id FROM "customer_360_work"."graph") THEN 'split'
    ELSE 'merge'
  END AS kind,
  p.old_id AS old_universal_id, p.new_id AS new_universal_id, p.moved AS identifiers
FROM (
  SELECT old_id, new_id, COUNT(*) AS moved
  FROM (
    SELECT o.universal_id AS old_id, n.universal_id AS new_id
    FROM "customer_360"."id_graph" o
    FULL OUTER JOIN "customer_360_work"."graph" n ON o.node_id = n.node_id
  ) m
  WHERE old_id IS NULL OR new_id IS NULL OR old_id <> new_id
  GROUP BY old_id, new_id
) p
-- identifiers seen for the first time that join a profile which already existed change no id
WHERE NOT (p.old_id IS NULL AND p.new_id IN (SELECT universal_id FROM "customer_360"."id_graph"));
ANALYZE "customer_360_work"."changes";
DROP TABLE IF EXISTS "customer_360"."profiles__next";
CREATE TABLE "customer_360"."profiles__next" AS
WITH ranked AS (
  SELECT component, id_type, id_value, first_seen_at, last_seen_at,
    ROW_NUMBER() OVER (PARTITION BY component, id_type ORDER BY last_seen_at DESC NULLS LAST, id_value COLLATE "C" DESC) AS pos
  FROM "customer_360_work"."assign"
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
    CAST(COALESCE(SUM(CASE WHEN id_type = 'user_id' THEN n END), 0) AS BIGINT) AS "user_id_count",
    MAX(CASE WHEN id_type = 'user_id' THEN latest END) AS "latest_user_id",
    CAST(COALESCE(SUM(CASE WHEN id_type = 'email' THEN n END), 0) AS BIGINT) AS "email_count",
    MAX(CASE WHEN id_type = 'email' THEN latest END) AS "latest_email",
    CAST(COALESCE(SUM(CASE WHEN id_type = 'anonymous_id' THEN n END), 0) AS BIGINT) AS "anonymous_id_count",
    MAX(CASE WHEN id_type = 'anonymous_id' THEN latest END) AS "latest_anonymous_id"
  FROM per_type
  GROUP BY component
)
SELECT a.universal_id, p.first_seen_at, p.last_seen_at, p.identifiers, p."user_id_count", p."latest_user_id", p."email_count", p."latest_email", p."anonymous_id_count", p."latest_anonymous_id"
FROM per_profile p
JOIN "customer_360_work"."anchors" a ON p.component = a.component;
ANALYZE "customer_360"."profiles__next";
DROP TABLE IF EXISTS "customer_360"."id_edges__next";
CREATE TABLE "customer_360"."id_edges__next" AS
SELECT ga.universal_id,
  ga.id_type AS id_type_a, ga.id_value AS id_value_a,
  gb.id_type AS id_type_b, gb.id_value AS id_value_b,
  e.row_count, e.first_seen_at, e.last_seen_at, e.sources
FROM "customer_360_work"."edges" e
JOIN "customer_360_work"."graph" ga ON e.a = ga.node_id
JOIN "customer_360_work"."graph" gb ON e.b = gb.node_id
WHERE ga.component = gb.component;
ANALYZE "customer_360"."id_edges__next";
-- what was kept out of the graph, and why
DROP TABLE IF EXISTS "customer_360"."id_quarantine__next";
CREATE TABLE "customer_360"."id_quarantine__next" AS
SELECT id_type, id_value, reason, evidence, CAST(0 AS BIGINT) AS run_id
FROM (
  SELECT CAST(NULL AS TEXT) AS id_type, CAST(NULL AS TEXT) AS id_value, CAST(NULL AS TEXT) AS reason, CAST(NULL AS BIGINT) AS evidence
  WHERE 1 = 0
) q;
ANALYZE "customer_360"."id_quarantine__next";
-- audience members; those already in keep the time they entered
DROP TABLE IF EXISTS "customer_360"."audience_members__next";
CREATE TABLE "customer_360"."audience_members__next" AS
SELECT m.audience, m.universal_id, COALESCE(prev.entered_at, CAST(LOCALTIMESTAMP AS TIMESTAMP)) AS entered_at
FROM (
  SELECT CAST(NULL AS TEXT) AS audience, CAST(NULL AS TEXT) AS universal_id FROM "customer_360"."profiles__next" WHERE 1 = 0
) m
LEFT JOIN "customer_360"."audience_members" prev ON prev.audience = m.audience AND prev.universal_id = m.universal_id;
ANALYZE "customer_360"."audience_members__next";
DROP TABLE IF EXISTS "customer_360_state"."hubs__next";
CREATE TABLE "customer_360_state"."hubs__next" AS
SELECT CAST(NULL AS BIGINT) AS node_id, CAST(NULL AS BIGINT) AS degree, CAST(NULL AS TEXT) AS id_type, CAST(NULL AS TEXT) AS id_value WHERE 1 = 0;
ANALYZE "customer_360_state"."hubs__next";
DROP TABLE IF EXISTS "customer_360_state"."qvalues__next";
CREATE TABLE "customer_360_state"."qvalues__next" AS
SELECT CAST(NULL AS TEXT) AS id_type, CAST(NULL AS TEXT) AS id_value, CAST(NULL AS TEXT) AS reason, CAST(NULL AS BIGINT) AS evidence WHERE 1 = 0;
ANALYZE "customer_360_state"."qvalues__next";

-- ===== stage publish: swap the new tables in, all together
BEGIN;
DROP VIEW IF EXISTS "customer_360"."web_stitched";
DROP VIEW IF EXISTS "customer_360"."crm_stitched";
UPDATE "customer_360"."audience_history"
SET exited_at = CAST(LOCALTIMESTAMP AS TIMESTAMP)
WHERE exited_at IS NULL
  AND NOT EXISTS (
    SELECT 1 FROM "customer_360"."audience_members__next" n
    WHERE n.audience = "customer_360"."audience_history".audience AND n.universal_id = "customer_360"."audience_history".universal_id
  );
INSERT INTO "customer_360"."audience_history" (audience, universal_id, entered_at, exited_at, run_id)
SELECT n.audience, n.universal_id, n.entered_at, CAST(NULL AS TIMESTAMP), CAST(0 AS BIGINT)
FROM "customer_360"."audience_members__next" n
WHERE NOT EXISTS (
  SELECT 1 FROM "customer_360"."audience_history" h
  WHERE h.exited_at IS NULL AND h.audience = n.audience AND h.universal_id = n.universal_id
);
DROP TABLE IF EXISTS "customer_360"."id_graph";
ALTER TABLE "customer_360"."id_graph__next" RENAME TO "id_graph";
DROP TABLE IF EXISTS "customer_360"."profiles";
ALTER TABLE "customer_360"."profiles__next" RENAME TO "profiles";
DROP TABLE IF EXISTS "customer_360"."id_edges";
ALTER TABLE "customer_360"."id_edges__next" RENAME TO "id_edges";
DROP TABLE IF EXISTS "customer_360"."id_quarantine";
ALTER TABLE "customer_360"."id_quarantine__next" RENAME TO "id_quarantine";
DROP TABLE IF EXISTS "customer_360"."audience_members";
ALTER TABLE "customer_360"."audience_members__next" RENAME TO "audience_members";
-- source web with the universal id of each row
CREATE OR REPLACE VIEW "customer_360"."web_stitched" AS
SELECT s.*, COALESCE(g1.universal_id, g2.universal_id, g3.universal_id, g4.universal_id, g5.universal_id, CAST(NULL AS TEXT)) AS universal_id
FROM "raw"."web_events" s
LEFT JOIN "customer_360"."id_graph" g1 ON g1.id_type = 'user_id' AND g1.id_value = NULLIF(NULLIF(CAST((lower(user_ref)) AS TEXT), ''), '')
LEFT JOIN "customer_360"."id_graph" g2 ON g2.id_type = 'email' AND g2.id_value = NULLIF(NULLIF(CAST(s."email" AS TEXT), ''), '')
LEFT JOIN "customer_360"."id_graph" g3 ON g3.id_type = 'email' AND g3.id_value = NULLIF(NULLIF(CAST(s."billing_email" AS TEXT), ''), '')
LEFT JOIN "customer_360"."id_graph" g4 ON g4.id_type = 'email' AND g4.id_value = NULLIF(NULLIF(CAST((coalesce(alt_email, '')) AS TEXT), ''), '')
LEFT JOIN "customer_360"."id_graph" g5 ON g5.id_type = 'anonymous_id' AND g5.id_value = NULLIF(NULLIF(CAST(s."anonymousId" AS TEXT), ''), '');
-- source crm with the universal id of each row
CREATE OR REPLACE VIEW "customer_360"."crm_stitched" AS
SELECT s.*, COALESCE(g1.universal_id, CAST(NULL AS TEXT)) AS universal_id
FROM "crm"."Contacts" s
LEFT JOIN "customer_360"."id_graph" g1 ON g1.id_type = 'email' AND g1.id_value = NULLIF(NULLIF(CAST(s."email" AS TEXT), ''), '');
DROP TABLE IF EXISTS "customer_360_state"."rows_web";
ALTER TABLE "customer_360_state"."rows_web__next" RENAME TO "rows_web";
DROP TABLE IF EXISTS "customer_360_state"."rows_crm";
ALTER TABLE "customer_360_state"."rows_crm__next" RENAME TO "rows_crm";
DROP TABLE IF EXISTS "customer_360_state"."hubs";
ALTER TABLE "customer_360_state"."hubs__next" RENAME TO "hubs";
DROP TABLE IF EXISTS "customer_360_state"."qvalues";
ALTER TABLE "customer_360_state"."qvalues__next" RENAME TO "qvalues";
DROP TABLE IF EXISTS "customer_360_state"."regions";
ALTER TABLE "customer_360_state"."regions__next" RENAME TO "regions";
DELETE FROM "customer_360_state"."meta" WHERE 1 = 1;
INSERT INTO "customer_360_state"."meta" (section, fingerprint) VALUES ('audiences', '74234e98afe7498f'), ('checks', '7b5219e6ed221e25'), ('degrees', '2833ac7524c0f216'), ('format', '2bf175f9655e7bb7'), ('id_salt', '031bef7d6f59aca8'), ('id_types', 'abcf59e8d5a2844c'), ('limits', '{}'), ('policy', '439083f38956ba51'), ('sources', '778af2c05d06ce23'), ('traits', '74234e98afe7498f');
INSERT INTO "customer_360"."id_changes" (run_id, changed_at, kind, old_universal_id, new_universal_id, identifiers) SELECT 0, CAST(LOCALTIMESTAMP AS TIMESTAMP), kind, old_universal_id, new_universal_id, identifiers FROM "customer_360_work"."changes";
COMMIT;
