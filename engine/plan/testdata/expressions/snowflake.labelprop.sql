-- idstitch plan: project expressions, warehouse snowflake, components by labelprop
-- The runner also records each run in the runs table; that bookkeeping is not part of this script, and run_id is 0 in what it writes.

-- ===== stage setup: schemas and the run history table
CREATE SCHEMA IF NOT EXISTS "CUSTOMER_360";
CREATE TRANSIENT SCHEMA IF NOT EXISTS "CUSTOMER_360_WORK";
CREATE TABLE IF NOT EXISTS "CUSTOMER_360"."RUNS" (
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
ALTER TABLE "CUSTOMER_360"."RUNS" ADD COLUMN IF NOT EXISTS "QUARANTINED" VARCHAR;
ALTER TABLE "CUSTOMER_360"."RUNS" ADD COLUMN IF NOT EXISTS "ROWS_BY_SOURCE" VARCHAR;
ALTER TABLE "CUSTOMER_360"."RUNS" ADD COLUMN IF NOT EXISTS "WATERMARKS" VARCHAR;
ALTER TABLE "CUSTOMER_360"."RUNS" ADD COLUMN IF NOT EXISTS "COMPONENTS_CHANGED" BIGINT;
-- the published members, read for when each entered
CREATE TABLE IF NOT EXISTS "CUSTOMER_360"."AUDIENCE_MEMBERS" (
  audience VARCHAR,
  universal_id VARCHAR,
  entered_at TIMESTAMP
);
-- every entry into and exit from an audience, across runs
CREATE TABLE IF NOT EXISTS "CUSTOMER_360"."AUDIENCE_HISTORY" (
  audience VARCHAR,
  universal_id VARCHAR,
  entered_at TIMESTAMP,
  exited_at TIMESTAMP,
  run_id BIGINT
);
-- an empty mapping before the first run, so that every run can compare with the last
CREATE TABLE IF NOT EXISTS "CUSTOMER_360"."ID_GRAPH" (
  universal_id VARCHAR,
  id_type VARCHAR,
  id_value VARCHAR,
  first_seen_at TIMESTAMP,
  last_seen_at TIMESTAMP,
  row_count BIGINT,
  node_id BIGINT
);
-- every change of universal ids, across runs
CREATE TABLE IF NOT EXISTS "CUSTOMER_360"."ID_CHANGES" (
  run_id BIGINT,
  changed_at TIMESTAMP,
  kind VARCHAR,
  old_universal_id VARCHAR,
  new_universal_id VARCHAR,
  identifiers BIGINT
);
CREATE SCHEMA IF NOT EXISTS "CUSTOMER_360_STATE";
-- what the stored state was built from
CREATE TABLE IF NOT EXISTS "CUSTOMER_360_STATE"."META" (
  section VARCHAR,
  fingerprint VARCHAR
);

-- ===== stage extract: per source: each row's identifiers, normalized and checked, with their node ids
-- source web (raw.web_events), kept as the rows read so far
CREATE OR REPLACE TABLE "CUSTOMER_360_STATE"."ROWS_WEB__NEXT" AS
SELECT e.*, HASH(COALESCE(CAST(ts AS VARCHAR), '∅'), COALESCE(CAST(v1 AS VARCHAR), '∅'), COALESCE(CAST(q1 AS VARCHAR), '∅'), COALESCE(CAST(v2 AS VARCHAR), '∅'), COALESCE(CAST(q2 AS VARCHAR), '∅'), COALESCE(CAST(v3 AS VARCHAR), '∅'), COALESCE(CAST(q3 AS VARCHAR), '∅'), COALESCE(CAST(v4 AS VARCHAR), '∅'), COALESCE(CAST(q4 AS VARCHAR), '∅'), COALESCE(CAST(v5 AS VARCHAR), '∅'), COALESCE(CAST(q5 AS VARCHAR), '∅')) AS row_hash
FROM (
SELECT
  ts,
  v1,
  q1,
  CASE WHEN v1 IS NULL OR q1 IS NOT NULL THEN NULL ELSE HASH('user_id', v1) END AS n1,
  v2,
  q2,
  CASE WHEN v2 IS NULL OR q2 IS NOT NULL THEN NULL ELSE HASH('email', v2) END AS n2,
  v3,
  q3,
  CASE WHEN v3 IS NULL OR q3 IS NOT NULL THEN NULL ELSE HASH('email', v3) END AS n3,
  v4,
  q4,
  CASE WHEN v4 IS NULL OR q4 IS NOT NULL THEN NULL ELSE HASH('email', v4) END AS n4,
  v5,
  q5,
  CASE WHEN v5 IS NULL OR q5 IS NOT NULL THEN NULL ELSE HASH('anonymous_id', v5) END AS n5
FROM (
  SELECT
    ts,
    v1,
    CAST(NULL AS VARCHAR) AS q1,
    v2,
    CAST(NULL AS VARCHAR) AS q2,
    v3,
    CAST(NULL AS VARCHAR) AS q3,
    v4,
    CAST(NULL AS VARCHAR) AS q4,
    v5,
    CAST(NULL AS VARCHAR) AS q5
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
        NULLIF(CAST((lower(user_ref)) AS VARCHAR), '') AS r1,
        NULLIF(CAST("EMAIL" AS VARCHAR), '') AS r2,
        NULLIF(CAST("BILLING_EMAIL" AS VARCHAR), '') AS r3,
        NULLIF(CAST((coalesce(alt_email, '')) AS VARCHAR), '') AS r4,
        NULLIF(CAST("anonymousId" AS VARCHAR), '') AS r5
      FROM "RAW"."WEB_EVENTS"
      WHERE (event_type <> 'test')
    ) r
  ) v
) s
) e;
-- source crm (crm.Contacts), kept as the rows read so far
CREATE OR REPLACE TABLE "CUSTOMER_360_STATE"."ROWS_CRM__NEXT" AS
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
        CAST("UPDATED_AT" AS TIMESTAMP) AS ts,
        NULLIF(CAST("EMAIL" AS VARCHAR), '') AS r1
      FROM "CRM"."Contacts"
    ) r
  ) v
) s
) e;

-- ===== stage nodes: distinct (id_type, value) with a 64-bit node id
CREATE OR REPLACE TRANSIENT TABLE "CUSTOMER_360_WORK"."NODES" AS
SELECT node_id, id_type, id_value, type_rank,
  MIN(ts) AS first_seen_at, MAX(ts) AS last_seen_at, COUNT(*) AS row_count
FROM (
  SELECT n1 AS node_id, 'user_id' AS id_type, v1 AS id_value, 0 AS type_rank, ts
  FROM "CUSTOMER_360_STATE"."ROWS_WEB__NEXT" WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 AS node_id, 'email' AS id_type, v2 AS id_value, 1 AS type_rank, ts
  FROM "CUSTOMER_360_STATE"."ROWS_WEB__NEXT" WHERE n2 IS NOT NULL
  UNION ALL SELECT n3 AS node_id, 'email' AS id_type, v3 AS id_value, 1 AS type_rank, ts
  FROM "CUSTOMER_360_STATE"."ROWS_WEB__NEXT" WHERE n3 IS NOT NULL
  UNION ALL SELECT n4 AS node_id, 'email' AS id_type, v4 AS id_value, 1 AS type_rank, ts
  FROM "CUSTOMER_360_STATE"."ROWS_WEB__NEXT" WHERE n4 IS NOT NULL
  UNION ALL SELECT n5 AS node_id, 'anonymous_id' AS id_type, v5 AS id_value, 2 AS type_rank, ts
  FROM "CUSTOMER_360_STATE"."ROWS_WEB__NEXT" WHERE n5 IS NOT NULL
  UNION ALL SELECT n1 AS node_id, 'email' AS id_type, v1 AS id_value, 1 AS type_rank, ts
  FROM "CUSTOMER_360_STATE"."ROWS_CRM__NEXT" WHERE n1 IS NOT NULL
) i
GROUP BY node_id, id_type, id_value, type_rank;
-- two distinct identifiers must never share a node id
-- check: this count must be 0, else: two different identifiers hashed to the same 64-bit node id; the run stopped so that they are not merged (report this as a bug with the warehouse type)
SELECT COUNT(*) FROM (
  SELECT node_id FROM "CUSTOMER_360_WORK"."NODES" GROUP BY node_id HAVING COUNT(*) > 1
) c;

-- ===== stage edges: identifiers on one row are linked as a star from the row's first identifier
CREATE OR REPLACE TRANSIENT TABLE "CUSTOMER_360_WORK"."EDGES" AS
SELECT a, b, CAST(SUM(n) AS BIGINT) AS row_count, MIN(first_seen_at) AS first_seen_at, MAX(last_seen_at) AS last_seen_at,
  LISTAGG(source, ',') WITHIN GROUP (ORDER BY source) AS sources
FROM (
  SELECT LEAST(a, b) AS a, GREATEST(a, b) AS b, source, COUNT(*) AS n, MIN(ts) AS first_seen_at, MAX(ts) AS last_seen_at
  FROM (
    SELECT COALESCE(n1, n2, n3, n4, n5) AS a, n2 AS b, ts, 'web' AS source
    FROM "CUSTOMER_360_STATE"."ROWS_WEB__NEXT" WHERE n2 IS NOT NULL AND n2 <> COALESCE(n1, n2, n3, n4, n5)
    UNION ALL SELECT COALESCE(n1, n2, n3, n4, n5) AS a, n3 AS b, ts, 'web' AS source
    FROM "CUSTOMER_360_STATE"."ROWS_WEB__NEXT" WHERE n3 IS NOT NULL AND n3 <> COALESCE(n1, n2, n3, n4, n5)
    UNION ALL SELECT COALESCE(n1, n2, n3, n4, n5) AS a, n4 AS b, ts, 'web' AS source
    FROM "CUSTOMER_360_STATE"."ROWS_WEB__NEXT" WHERE n4 IS NOT NULL AND n4 <> COALESCE(n1, n2, n3, n4, n5)
    UNION ALL SELECT COALESCE(n1, n2, n3, n4, n5) AS a, n5 AS b, ts, 'web' AS source
    FROM "CUSTOMER_360_STATE"."ROWS_WEB__NEXT" WHERE n5 IS NOT NULL AND n5 <> COALESCE(n1, n2, n3, n4, n5)
  ) e
  GROUP BY LEAST(a, b), GREATEST(a, b), source
) per_source
GROUP BY a, b;

-- ===== stage components: connected components by label propagation (benchmark baseline)
-- the graph's edges
CREATE OR REPLACE TRANSIENT TABLE "CUSTOMER_360_WORK"."CC_LP_EDGES" AS
SELECT e.a, e.b FROM "CUSTOMER_360_WORK"."EDGES" e;
-- every node starts with its own label
CREATE OR REPLACE TRANSIENT TABLE "CUSTOMER_360_WORK"."CC_LP_0" AS
SELECT v, v AS label FROM (
  SELECT a AS v FROM "CUSTOMER_360_WORK"."CC_LP_EDGES"
  UNION SELECT b AS v FROM "CUSTOMER_360_WORK"."CC_LP_EDGES"
) n;

-- rounds 1 to 3; the runner stops when the count below reaches 0 (labels changed)
-- round 1
CREATE OR REPLACE TRANSIENT TABLE "CUSTOMER_360_WORK"."CC_LP_1" AS
SELECT v, MIN(label) AS label
FROM (
  SELECT v, label FROM "CUSTOMER_360_WORK"."CC_LP_0"
  UNION ALL SELECT e.a AS v, l.label FROM "CUSTOMER_360_WORK"."CC_LP_EDGES" e JOIN "CUSTOMER_360_WORK"."CC_LP_0" l ON e.b = l.v
  UNION ALL SELECT e.b AS v, l.label FROM "CUSTOMER_360_WORK"."CC_LP_EDGES" e JOIN "CUSTOMER_360_WORK"."CC_LP_0" l ON e.a = l.v
) c
GROUP BY v;
-- round 2
CREATE OR REPLACE TRANSIENT TABLE "CUSTOMER_360_WORK"."CC_LP_2" AS
SELECT v, MIN(label) AS label
FROM (
  SELECT v, label FROM "CUSTOMER_360_WORK"."CC_LP_1"
  UNION ALL SELECT e.a AS v, l.label FROM "CUSTOMER_360_WORK"."CC_LP_EDGES" e JOIN "CUSTOMER_360_WORK"."CC_LP_1" l ON e.b = l.v
  UNION ALL SELECT e.b AS v, l.label FROM "CUSTOMER_360_WORK"."CC_LP_EDGES" e JOIN "CUSTOMER_360_WORK"."CC_LP_1" l ON e.a = l.v
) c
GROUP BY v;
DROP TABLE IF EXISTS "CUSTOMER_360_WORK"."CC_LP_0";
-- round 3
CREATE OR REPLACE TRANSIENT TABLE "CUSTOMER_360_WORK"."CC_LP_3" AS
SELECT v, MIN(label) AS label
FROM (
  SELECT v, label FROM "CUSTOMER_360_WORK"."CC_LP_2"
  UNION ALL SELECT e.a AS v, l.label FROM "CUSTOMER_360_WORK"."CC_LP_EDGES" e JOIN "CUSTOMER_360_WORK"."CC_LP_2" l ON e.b = l.v
  UNION ALL SELECT e.b AS v, l.label FROM "CUSTOMER_360_WORK"."CC_LP_EDGES" e JOIN "CUSTOMER_360_WORK"."CC_LP_2" l ON e.a = l.v
) c
GROUP BY v;
DROP TABLE IF EXISTS "CUSTOMER_360_WORK"."CC_LP_1";
-- 3 rounds must have been enough
-- check: this count must be 0, else: the loop did not finish in the unrolled rounds; compile with more --rounds
SELECT COUNT(*) FROM "CUSTOMER_360_WORK"."CC_LP_3" c JOIN "CUSTOMER_360_WORK"."CC_LP_2" p ON c.v = p.v WHERE c.label <> p.label;
CREATE OR REPLACE TRANSIENT TABLE "CUSTOMER_360_WORK"."LABELS" AS
SELECT v AS node_id, label AS component FROM "CUSTOMER_360_WORK"."CC_LP_3";
DROP TABLE IF EXISTS "CUSTOMER_360_WORK"."CC_LP_EDGES";
DROP TABLE IF EXISTS "CUSTOMER_360_WORK"."CC_LP_2";
DROP TABLE IF EXISTS "CUSTOMER_360_WORK"."CC_LP_3";

-- ===== stage ids: one universal id per profile, from its anchor identifier
-- every identifier in the graph with its profile
CREATE OR REPLACE TRANSIENT TABLE "CUSTOMER_360_WORK"."ASSIGN" AS
SELECT n.node_id, n.id_type, n.id_value, n.type_rank, n.first_seen_at, n.last_seen_at, n.row_count,
  COALESCE(l.component, n.node_id) AS component
FROM "CUSTOMER_360_WORK"."NODES" n
LEFT JOIN "CUSTOMER_360_WORK"."LABELS" l ON n.node_id = l.node_id;
-- anchor: earliest first_seen, then type priority, then value
CREATE OR REPLACE TRANSIENT TABLE "CUSTOMER_360_WORK"."ANCHORS" AS
SELECT component, id_type AS anchor_type, id_value AS anchor_value,
  MD5(('salt''with quote' || '|' || id_type || '|' || id_value)) AS universal_id
FROM (
  SELECT component, id_type, id_value,
    ROW_NUMBER() OVER (PARTITION BY component ORDER BY first_seen_at ASC NULLS LAST, type_rank, id_value) AS pos
  FROM "CUSTOMER_360_WORK"."ASSIGN"
) a
WHERE pos = 1;
-- every identifier with its universal id
CREATE OR REPLACE TRANSIENT TABLE "CUSTOMER_360_WORK"."GRAPH" AS
SELECT a.universal_id, n.id_type, n.id_value, n.first_seen_at, n.last_seen_at, n.row_count, n.node_id, n.component
FROM "CUSTOMER_360_WORK"."ASSIGN" n
JOIN "CUSTOMER_360_WORK"."ANCHORS" a ON n.component = a.component;
-- every identifier's region, quarantined ones too
CREATE OR REPLACE TABLE "CUSTOMER_360_STATE"."REGIONS__NEXT" AS
SELECT n.node_id, COALESCE(l.component, n.node_id) AS region, n.id_type
FROM "CUSTOMER_360_WORK"."NODES" n
LEFT JOIN "CUSTOMER_360_WORK"."LABELS" l ON n.node_id = l.node_id;

-- ===== stage outputs: output tables, built beside the published ones
CREATE OR REPLACE TABLE "CUSTOMER_360"."ID_GRAPH__NEXT" AS
SELECT universal_id, id_type, id_value, first_seen_at, last_seen_at, row_count, node_id
FROM "CUSTOMER_360_WORK"."GRAPH";
-- universal ids that are new, merged, split or quarantined since the last run
CREATE OR REPLACE TRANSIENT TABLE "CUSTOMER_360_WORK"."CHANGES" AS
SELECT CASE
    WHEN p.new_id IS NULL THEN 'quarantine'
    WHEN p.old_id IS NULL THEN 'new'
    WHEN p.old_id IN (SELECT universal_id FROM "CUSTOMER_360_WORK"."GRAPH") THEN 'split'
    ELSE 'merge'
  END AS kind,
  p.old_id AS old_universal_id, p.new_id AS new_universal_id, p.moved AS identifiers
FROM (
  SELECT old_id, new_id, COUNT(*) AS moved
  FROM (
    SELECT o.universal_id AS old_id, n.universal_id AS new_id
    FROM "CUSTOMER_360"."ID_GRAPH" o
    FULL OUTER JOIN "CUSTOMER_360_WORK"."GRAPH" n ON o.node_id = n.node_id
  ) m
  WHERE old_id IS NULL OR new_id IS NULL OR old_id <> new_id
  GROUP BY old_id, new_id
) p
-- identifiers seen for the first time that join a profile which already existed change no id
WHERE NOT (p.old_id IS NULL AND p.new_id IN (SELECT universal_id FROM "CUSTOMER_360"."ID_GRAPH"));
CREATE OR REPLACE TABLE "CUSTOMER_360"."PROFILES__NEXT" AS
WITH ranked AS (
  SELECT component, id_type, id_value, first_seen_at, last_seen_at,
    ROW_NUMBER() OVER (PARTITION BY component, id_type ORDER BY last_seen_at DESC NULLS LAST, id_value DESC) AS pos
  FROM "CUSTOMER_360_WORK"."ASSIGN"
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
    CAST(COALESCE(SUM(CASE WHEN id_type = 'anonymous_id' THEN n END), 0) AS BIGINT) AS "ANONYMOUS_ID_COUNT",
    MAX(CASE WHEN id_type = 'anonymous_id' THEN latest END) AS "LATEST_ANONYMOUS_ID"
  FROM per_type
  GROUP BY component
)
SELECT a.universal_id, p.first_seen_at, p.last_seen_at, p.identifiers, p."USER_ID_COUNT", p."LATEST_USER_ID", p."EMAIL_COUNT", p."LATEST_EMAIL", p."ANONYMOUS_ID_COUNT", p."LATEST_ANONYMOUS_ID"
FROM per_profile p
JOIN "CUSTOMER_360_WORK"."ANCHORS" a ON p.component = a.component;
CREATE OR REPLACE TABLE "CUSTOMER_360"."ID_EDGES__NEXT" AS
SELECT ga.universal_id,
  ga.id_type AS id_type_a, ga.id_value AS id_value_a,
  gb.id_type AS id_type_b, gb.id_value AS id_value_b,
  e.row_count, e.first_seen_at, e.last_seen_at, e.sources
FROM "CUSTOMER_360_WORK"."EDGES" e
JOIN "CUSTOMER_360_WORK"."GRAPH" ga ON e.a = ga.node_id
JOIN "CUSTOMER_360_WORK"."GRAPH" gb ON e.b = gb.node_id
WHERE ga.component = gb.component;
-- what was kept out of the graph, and why
CREATE OR REPLACE TABLE "CUSTOMER_360"."ID_QUARANTINE__NEXT" AS
SELECT id_type, id_value, reason, evidence, CAST(0 AS BIGINT) AS run_id
FROM (
  SELECT CAST(NULL AS VARCHAR) AS id_type, CAST(NULL AS VARCHAR) AS id_value, CAST(NULL AS VARCHAR) AS reason, CAST(NULL AS BIGINT) AS evidence
  WHERE 1 = 0
) q;
-- audience members; those already in keep the time they entered
CREATE OR REPLACE TABLE "CUSTOMER_360"."AUDIENCE_MEMBERS__NEXT" AS
SELECT m.audience, m.universal_id, COALESCE(prev.entered_at, CAST(SYSDATE() AS TIMESTAMP)) AS entered_at
FROM (
  SELECT CAST(NULL AS VARCHAR) AS audience, CAST(NULL AS VARCHAR) AS universal_id FROM "CUSTOMER_360"."PROFILES__NEXT" WHERE 1 = 0
) m
LEFT JOIN "CUSTOMER_360"."AUDIENCE_MEMBERS" prev ON prev.audience = m.audience AND prev.universal_id = m.universal_id;
CREATE OR REPLACE TABLE "CUSTOMER_360_STATE"."HUBS__NEXT" AS
SELECT CAST(NULL AS BIGINT) AS node_id, CAST(NULL AS BIGINT) AS degree, CAST(NULL AS VARCHAR) AS id_type, CAST(NULL AS VARCHAR) AS id_value WHERE 1 = 0;
CREATE OR REPLACE TABLE "CUSTOMER_360_STATE"."QVALUES__NEXT" AS
SELECT CAST(NULL AS VARCHAR) AS id_type, CAST(NULL AS VARCHAR) AS id_value, CAST(NULL AS VARCHAR) AS reason, CAST(NULL AS BIGINT) AS evidence WHERE 1 = 0;

-- ===== stage publish: swap the new tables in, each atomically (this warehouse has no transactions over DDL)
DROP VIEW IF EXISTS "CUSTOMER_360"."WEB_STITCHED";
DROP VIEW IF EXISTS "CUSTOMER_360"."CRM_STITCHED";
UPDATE "CUSTOMER_360"."AUDIENCE_HISTORY"
SET exited_at = CAST(SYSDATE() AS TIMESTAMP)
WHERE exited_at IS NULL
  AND NOT EXISTS (
    SELECT 1 FROM "CUSTOMER_360"."AUDIENCE_MEMBERS__NEXT" n
    WHERE n.audience = "CUSTOMER_360"."AUDIENCE_HISTORY".audience AND n.universal_id = "CUSTOMER_360"."AUDIENCE_HISTORY".universal_id
  );
INSERT INTO "CUSTOMER_360"."AUDIENCE_HISTORY" (audience, universal_id, entered_at, exited_at, run_id)
SELECT n.audience, n.universal_id, n.entered_at, CAST(NULL AS TIMESTAMP), CAST(0 AS BIGINT)
FROM "CUSTOMER_360"."AUDIENCE_MEMBERS__NEXT" n
WHERE NOT EXISTS (
  SELECT 1 FROM "CUSTOMER_360"."AUDIENCE_HISTORY" h
  WHERE h.exited_at IS NULL AND h.audience = n.audience AND h.universal_id = n.universal_id
);
CREATE TABLE IF NOT EXISTS "CUSTOMER_360"."ID_GRAPH" LIKE "CUSTOMER_360"."ID_GRAPH__NEXT";
ALTER TABLE "CUSTOMER_360"."ID_GRAPH" SWAP WITH "CUSTOMER_360"."ID_GRAPH__NEXT";
DROP TABLE IF EXISTS "CUSTOMER_360"."ID_GRAPH__NEXT";
CREATE TABLE IF NOT EXISTS "CUSTOMER_360"."PROFILES" LIKE "CUSTOMER_360"."PROFILES__NEXT";
ALTER TABLE "CUSTOMER_360"."PROFILES" SWAP WITH "CUSTOMER_360"."PROFILES__NEXT";
DROP TABLE IF EXISTS "CUSTOMER_360"."PROFILES__NEXT";
CREATE TABLE IF NOT EXISTS "CUSTOMER_360"."ID_EDGES" LIKE "CUSTOMER_360"."ID_EDGES__NEXT";
ALTER TABLE "CUSTOMER_360"."ID_EDGES" SWAP WITH "CUSTOMER_360"."ID_EDGES__NEXT";
DROP TABLE IF EXISTS "CUSTOMER_360"."ID_EDGES__NEXT";
CREATE TABLE IF NOT EXISTS "CUSTOMER_360"."ID_QUARANTINE" LIKE "CUSTOMER_360"."ID_QUARANTINE__NEXT";
ALTER TABLE "CUSTOMER_360"."ID_QUARANTINE" SWAP WITH "CUSTOMER_360"."ID_QUARANTINE__NEXT";
DROP TABLE IF EXISTS "CUSTOMER_360"."ID_QUARANTINE__NEXT";
CREATE TABLE IF NOT EXISTS "CUSTOMER_360"."AUDIENCE_MEMBERS" LIKE "CUSTOMER_360"."AUDIENCE_MEMBERS__NEXT";
ALTER TABLE "CUSTOMER_360"."AUDIENCE_MEMBERS" SWAP WITH "CUSTOMER_360"."AUDIENCE_MEMBERS__NEXT";
DROP TABLE IF EXISTS "CUSTOMER_360"."AUDIENCE_MEMBERS__NEXT";
-- source web with the universal id of each row
CREATE OR REPLACE VIEW "CUSTOMER_360"."WEB_STITCHED" AS
SELECT s.*, COALESCE(g1.universal_id, g2.universal_id, g3.universal_id, g4.universal_id, g5.universal_id, CAST(NULL AS VARCHAR)) AS universal_id
FROM "RAW"."WEB_EVENTS" s
LEFT JOIN "CUSTOMER_360"."ID_GRAPH" g1 ON g1.id_type = 'user_id' AND g1.id_value = NULLIF(NULLIF(CAST((lower(user_ref)) AS VARCHAR), ''), '')
LEFT JOIN "CUSTOMER_360"."ID_GRAPH" g2 ON g2.id_type = 'email' AND g2.id_value = NULLIF(NULLIF(CAST(s."EMAIL" AS VARCHAR), ''), '')
LEFT JOIN "CUSTOMER_360"."ID_GRAPH" g3 ON g3.id_type = 'email' AND g3.id_value = NULLIF(NULLIF(CAST(s."BILLING_EMAIL" AS VARCHAR), ''), '')
LEFT JOIN "CUSTOMER_360"."ID_GRAPH" g4 ON g4.id_type = 'email' AND g4.id_value = NULLIF(NULLIF(CAST((coalesce(alt_email, '')) AS VARCHAR), ''), '')
LEFT JOIN "CUSTOMER_360"."ID_GRAPH" g5 ON g5.id_type = 'anonymous_id' AND g5.id_value = NULLIF(NULLIF(CAST(s."anonymousId" AS VARCHAR), ''), '');
-- source crm with the universal id of each row
CREATE OR REPLACE VIEW "CUSTOMER_360"."CRM_STITCHED" AS
SELECT s.*, COALESCE(g1.universal_id, CAST(NULL AS VARCHAR)) AS universal_id
FROM "CRM"."Contacts" s
LEFT JOIN "CUSTOMER_360"."ID_GRAPH" g1 ON g1.id_type = 'email' AND g1.id_value = NULLIF(NULLIF(CAST(s."EMAIL" AS VARCHAR), ''), '');
CREATE TABLE IF NOT EXISTS "CUSTOMER_360_STATE"."ROWS_WEB" LIKE "CUSTOMER_360_STATE"."ROWS_WEB__NEXT";
ALTER TABLE "CUSTOMER_360_STATE"."ROWS_WEB" SWAP WITH "CUSTOMER_360_STATE"."ROWS_WEB__NEXT";
DROP TABLE IF EXISTS "CUSTOMER_360_STATE"."ROWS_WEB__NEXT";
CREATE TABLE IF NOT EXISTS "CUSTOMER_360_STATE"."ROWS_CRM" LIKE "CUSTOMER_360_STATE"."ROWS_CRM__NEXT";
ALTER TABLE "CUSTOMER_360_STATE"."ROWS_CRM" SWAP WITH "CUSTOMER_360_STATE"."ROWS_CRM__NEXT";
DROP TABLE IF EXISTS "CUSTOMER_360_STATE"."ROWS_CRM__NEXT";
CREATE TABLE IF NOT EXISTS "CUSTOMER_360_STATE"."HUBS" LIKE "CUSTOMER_360_STATE"."HUBS__NEXT";
ALTER TABLE "CUSTOMER_360_STATE"."HUBS" SWAP WITH "CUSTOMER_360_STATE"."HUBS__NEXT";
DROP TABLE IF EXISTS "CUSTOMER_360_STATE"."HUBS__NEXT";
CREATE TABLE IF NOT EXISTS "CUSTOMER_360_STATE"."QVALUES" LIKE "CUSTOMER_360_STATE"."QVALUES__NEXT";
ALTER TABLE "CUSTOMER_360_STATE"."QVALUES" SWAP WITH "CUSTOMER_360_STATE"."QVALUES__NEXT";
DROP TABLE IF EXISTS "CUSTOMER_360_STATE"."QVALUES__NEXT";
CREATE TABLE IF NOT EXISTS "CUSTOMER_360_STATE"."REGIONS" LIKE "CUSTOMER_360_STATE"."REGIONS__NEXT";
ALTER TABLE "CUSTOMER_360_STATE"."REGIONS" SWAP WITH "CUSTOMER_360_STATE"."REGIONS__NEXT";
DROP TABLE IF EXISTS "CUSTOMER_360_STATE"."REGIONS__NEXT";
DELETE FROM "CUSTOMER_360_STATE"."META" WHERE 1 = 1;
INSERT INTO "CUSTOMER_360_STATE"."META" (section, fingerprint) VALUES ('audiences', '74234e98afe7498f'), ('checks', '7b5219e6ed221e25'), ('degrees', '2833ac7524c0f216'), ('format', '2bf175f9655e7bb7'), ('id_salt', '031bef7d6f59aca8'), ('id_types', 'abcf59e8d5a2844c'), ('limits', '{}'), ('policy', '439083f38956ba51'), ('sources', '778af2c05d06ce23'), ('traits', '74234e98afe7498f');
INSERT INTO "CUSTOMER_360"."ID_CHANGES" (run_id, changed_at, kind, old_universal_id, new_universal_id, identifiers) SELECT 0, CAST(SYSDATE() AS TIMESTAMP), kind, old_universal_id, new_universal_id, identifiers FROM "CUSTOMER_360_WORK"."CHANGES";
