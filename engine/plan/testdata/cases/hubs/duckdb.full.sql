-- idstitch plan: project hubs, warehouse duckdb, components by contraction
-- The runner also records each run in the runs table; that bookkeeping is not part of this script, and run_id is 0 in what it writes.

-- ===== stage guards: values that are invalid or blocked, and hubs, are kept out of the graph
-- hubs: identifiers seen with more distinct identifiers than their type's max_degree
CREATE OR REPLACE TABLE "identity_work".main."hubs" AS
SELECT node_id, degree
FROM (
  SELECT node AS node_id, max_degree, COUNT(DISTINCT other) AS degree
  FROM (
    SELECT n2 AS node, n1 AS other, 20 AS max_degree
    FROM "identity_state"."rows_events__next" WHERE n2 IS NOT NULL AND n1 IS NOT NULL AND n2 <> n1
    UNION ALL SELECT n2 AS node, n3 AS other, 20 AS max_degree
    FROM "identity_state"."rows_events__next" WHERE n2 IS NOT NULL AND n3 IS NOT NULL AND n2 <> n3
  ) p
  GROUP BY node, max_degree
) d
WHERE degree > max_degree;
-- source events without its hubs
CREATE OR REPLACE TABLE "identity_work".main."kept_events" AS
SELECT ts,
  CASE WHEN n1 IN (SELECT node_id FROM "identity_work".main."hubs") THEN NULL ELSE n1 END AS n1,
  CASE WHEN n2 IN (SELECT node_id FROM "identity_work".main."hubs") THEN NULL ELSE n2 END AS n2,
  CASE WHEN n3 IN (SELECT node_id FROM "identity_work".main."hubs") THEN NULL ELSE n3 END AS n3
FROM "identity_state"."rows_events__next";

-- ===== stage edges: identifiers on one row are linked as a star from the row's first identifier
CREATE OR REPLACE TABLE "identity_work".main."edges" AS
SELECT a, b, row_count, first_seen_at, last_seen_at, SUBSTR(('' || CASE WHEN s0 = 1 THEN ',events' ELSE '' END), 2) AS sources
FROM (
  SELECT LEAST(a, b) AS a, GREATEST(a, b) AS b, CAST(COUNT(*) AS BIGINT) AS row_count,
    MIN(ts) AS first_seen_at, MAX(ts) AS last_seen_at, MAX(s0) AS s0
  FROM (
    SELECT COALESCE(n1, n2, n3) AS a, n2 AS b, ts, 1 AS s0
    FROM "identity_work".main."kept_events" WHERE n2 IS NOT NULL AND n2 <> COALESCE(n1, n2, n3)
    UNION ALL SELECT COALESCE(n1, n2, n3) AS a, n3 AS b, ts, 1 AS s0
    FROM "identity_work".main."kept_events" WHERE n3 IS NOT NULL AND n3 <> COALESCE(n1, n2, n3)
  ) e
  GROUP BY LEAST(a, b), GREATEST(a, b)
) g;
DROP TABLE IF EXISTS "identity_work".main."kept_events";

-- ===== stage outputs: output tables, built beside the published ones
-- universal ids that are new, merged, split or quarantined since the last run
CREATE OR REPLACE TABLE "identity_work".main."changes" AS
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
CREATE OR REPLACE TABLE "identity"."profiles__next" AS
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
CREATE OR REPLACE TABLE "identity"."id_edges__next" AS
SELECT ga.universal_id,
  ga.id_type AS id_type_a, ga.id_value AS id_value_a,
  gb.id_type AS id_type_b, gb.id_value AS id_value_b,
  e.row_count, e.first_seen_at, e.last_seen_at, e.sources
FROM "identity_work".main."edges" e
JOIN "identity"."id_graph__next" ga ON e.a = ga.node_id
JOIN "identity"."id_graph__next" gb ON e.b = gb.node_id
-- one universal id per profile: its anchor's, which no other profile has
WHERE ga.universal_id = gb.universal_id;
DROP TABLE IF EXISTS "identity_work".main."edges";
-- what was kept out of the graph, and why
CREATE OR REPLACE TABLE "identity"."id_quarantine__next" AS
SELECT id_type, id_value, reason, evidence, CAST(0 AS BIGINT) AS run_id
FROM (
  SELECT n.id_type, n.id_value, 'hub' AS reason, CAST(q.degree AS BIGINT) AS evidence
FROM "identity_work".main."hubs" q JOIN "identity_work".main."nodes" n ON q.node_id = n.node_id
) q;
-- audience members; those already in keep the time they entered
CREATE OR REPLACE TABLE "identity"."audience_members__next" AS
SELECT m.audience, m.universal_id, COALESCE(prev.entered_at, CAST(current_timestamp AS TIMESTAMP)) AS entered_at
FROM (
  SELECT CAST(NULL AS VARCHAR) AS audience, CAST(NULL AS VARCHAR) AS universal_id FROM "identity"."profiles__next" WHERE 1 = 0
) m
LEFT JOIN "identity"."audience_members" prev ON prev.audience = m.audience AND prev.universal_id = m.universal_id;
CREATE OR REPLACE TABLE "identity_state"."hubs__next" AS
SELECT h.node_id, h.degree, n.id_type, n.id_value FROM "identity_work".main."hubs" h JOIN "identity_work".main."nodes" n ON h.node_id = n.node_id;
DROP TABLE IF EXISTS "identity_work".main."hubs";
DROP TABLE IF EXISTS "identity_work".main."nodes";
CREATE OR REPLACE TABLE "identity_state"."qvalues__next" AS
SELECT CAST(NULL AS VARCHAR) AS id_type, CAST(NULL AS VARCHAR) AS id_value, CAST(NULL AS VARCHAR) AS reason, CAST(NULL AS BIGINT) AS evidence WHERE 1 = 0;

-- ===== stage publish: swap the new tables in, all together
BEGIN TRANSACTION;
DROP VIEW IF EXISTS "identity"."events_stitched";
UPDATE "identity"."audience_history" AS h
SET exited_at = CAST(current_timestamp AS TIMESTAMP)
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
-- source events with the universal id of each row
CREATE OR REPLACE VIEW "identity"."events_stitched" AS
SELECT s.*, COALESCE(g1.universal_id, g2.universal_id, g3.universal_id, CAST(NULL AS VARCHAR)) AS universal_id
FROM "events" s
LEFT JOIN "identity"."id_graph" g1 ON g1.id_type = 'user_id' AND g1.id_value = NULLIF(NULLIF(CAST(s."user_id" AS VARCHAR), ''), '')
LEFT JOIN "identity"."id_graph" g2 ON g2.id_type = 'device_id' AND g2.id_value = NULLIF(NULLIF(CAST(s."device_id" AS VARCHAR), ''), '')
LEFT JOIN "identity"."id_graph" g3 ON g3.id_type = 'anonymous_id' AND g3.id_value = NULLIF(NULLIF(CAST(s."anonymous_id" AS VARCHAR), ''), '');
DROP TABLE IF EXISTS "identity_state"."rows_events";
ALTER TABLE "identity_state"."rows_events__next" RENAME TO "rows_events";
DROP TABLE IF EXISTS "identity_state"."hubs";
ALTER TABLE "identity_state"."hubs__next" RENAME TO "hubs";
DROP TABLE IF EXISTS "identity_state"."qvalues";
ALTER TABLE "identity_state"."qvalues__next" RENAME TO "qvalues";
DROP TABLE IF EXISTS "identity_state"."regions";
ALTER TABLE "identity_state"."regions__next" RENAME TO "regions";
DELETE FROM "identity_state"."meta" WHERE 1 = 1;
INSERT INTO "identity_state"."meta" (section, fingerprint) VALUES ('layout', '5'), ('audiences', '74234e98afe7498f'), ('checks', 'fc68f8420a6d72df'), ('degrees', '4bd5bf5ffc86cfb8'), ('id_salt', '48dd836a617dbe4a'), ('id_types', 'e613c4f0047a06b5'), ('limits', '{}'), ('policy', '439083f38956ba51'), ('sources', 'c194d3a0ecf2a120'), ('traits', '74234e98afe7498f');
INSERT INTO "identity"."id_changes" (run_id, changed_at, kind, old_universal_id, new_universal_id, identifiers) SELECT 0, CAST(current_timestamp AS TIMESTAMP), kind, old_universal_id, new_universal_id, identifiers FROM "identity_work".main."changes";
COMMIT;
