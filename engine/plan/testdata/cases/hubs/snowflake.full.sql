-- idstitch plan: project hubs, warehouse snowflake, components by contraction
-- The runner also records each run in the runs table; that bookkeeping is not part of this script, and run_id is 0 in what it writes.

-- ===== stage guards: values that are invalid or blocked, and hubs, are kept out of the graph
-- hubs: identifiers seen with more distinct identifiers than their type's max_degree
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."HUBS" AS
SELECT node_id, degree
FROM (
  SELECT node AS node_id, max_degree, COUNT(DISTINCT other) AS degree
  FROM (
    SELECT n2 AS node, n1 AS other, 20 AS max_degree
    FROM "IDENTITY_STATE"."ROWS_EVENTS__NEXT" WHERE n2 IS NOT NULL AND n1 IS NOT NULL AND n2 <> n1
    UNION ALL SELECT n2 AS node, n3 AS other, 20 AS max_degree
    FROM "IDENTITY_STATE"."ROWS_EVENTS__NEXT" WHERE n2 IS NOT NULL AND n3 IS NOT NULL AND n2 <> n3
  ) p
  GROUP BY node, max_degree
) d
WHERE degree > max_degree;
-- source events without its hubs
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."KEPT_EVENTS" AS
SELECT ts,
  CASE WHEN n1 IN (SELECT node_id FROM "IDENTITY_WORK"."HUBS") THEN NULL ELSE n1 END AS n1,
  CASE WHEN n2 IN (SELECT node_id FROM "IDENTITY_WORK"."HUBS") THEN NULL ELSE n2 END AS n2,
  CASE WHEN n3 IN (SELECT node_id FROM "IDENTITY_WORK"."HUBS") THEN NULL ELSE n3 END AS n3
FROM "IDENTITY_STATE"."ROWS_EVENTS__NEXT";

-- ===== stage edges: identifiers on one row are linked as a star from the row's first identifier
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."EDGES" AS
SELECT a, b, row_count, first_seen_at, last_seen_at, SUBSTR(('' || CASE WHEN s0 = 1 THEN ',events' ELSE '' END), 2) AS sources
FROM (
  SELECT LEAST(a, b) AS a, GREATEST(a, b) AS b, CAST(COUNT(*) AS BIGINT) AS row_count,
    MIN(ts) AS first_seen_at, MAX(ts) AS last_seen_at, MAX(s0) AS s0
  FROM (
    SELECT COALESCE(n1, n2, n3) AS a, n2 AS b, ts, 1 AS s0
    FROM "IDENTITY_WORK"."KEPT_EVENTS" WHERE n2 IS NOT NULL AND n2 <> COALESCE(n1, n2, n3)
    UNION ALL SELECT COALESCE(n1, n2, n3) AS a, n3 AS b, ts, 1 AS s0
    FROM "IDENTITY_WORK"."KEPT_EVENTS" WHERE n3 IS NOT NULL AND n3 <> COALESCE(n1, n2, n3)
  ) e
  GROUP BY LEAST(a, b), GREATEST(a, b)
) g;

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
SELECT s.*, COALESCE(g1.universal_id, g2.universal_id, g3.universal_id, CAST(NULL AS VARCHAR)) AS universal_id
FROM "EVENTS" s
LEFT JOIN "IDENTITY"."ID_GRAPH" g1 ON g1.id_type = 'user_id' AND g1.id_value = NULLIF(NULLIF(CAST(s."USER_ID" AS VARCHAR), ''), '')
LEFT JOIN "IDENTITY"."ID_GRAPH" g2 ON g2.id_type = 'device_id' AND g2.id_value = NULLIF(NULLIF(CAST(s."DEVICE_ID" AS VARCHAR), ''), '')
LEFT JOIN "IDENTITY"."ID_GRAPH" g3 ON g3.id_type = 'anonymous_id' AND g3.id_value = NULLIF(NULLIF(CAST(s."ANONYMOUS_ID" AS VARCHAR), ''), '');
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_STATE"."ROWS_EVENTS" CLONE "IDENTITY_STATE"."ROWS_EVENTS__NEXT" COPY GRANTS;
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
INSERT INTO "IDENTITY_STATE"."META" (section, fingerprint) VALUES ('layout', '5'), ('audiences', '74234e98afe7498f'), ('checks', 'fc68f8420a6d72df'), ('degrees', '4bd5bf5ffc86cfb8'), ('id_salt', '48dd836a617dbe4a'), ('id_types', 'e613c4f0047a06b5'), ('limits', '{}'), ('policy', '439083f38956ba51'), ('sources', 'c194d3a0ecf2a120'), ('traits', '74234e98afe7498f');
INSERT INTO "IDENTITY"."ID_CHANGES" (run_id, changed_at, kind, old_universal_id, new_universal_id, identifiers) SELECT 0, CAST(SYSDATE() AS TIMESTAMP), kind, old_universal_id, new_universal_id, identifiers FROM "IDENTITY"."ID_CHANGES__NEXT";
COMMIT;
