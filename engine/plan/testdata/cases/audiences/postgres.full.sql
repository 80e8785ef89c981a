-- idstitch plan: project audiences, warehouse postgres, components by contraction
-- The runner also records each run in the runs table; that bookkeeping is not part of this script, and run_id is 0 in what it writes.

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
DROP TABLE IF EXISTS "identity_work"."profiles_base";
CREATE UNLOGGED TABLE "identity_work"."profiles_base" AS
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
    CAST(COALESCE(SUM(CASE WHEN id_type = 'user_id' THEN n END), 0) AS BIGINT) AS "user_id_count",
    MAX(CASE WHEN id_type = 'user_id' THEN latest END) AS "latest_user_id"
  FROM per_type
  GROUP BY component
)
SELECT a.universal_id, p.first_seen_at, p.last_seen_at, p.identifiers, p."user_id_count", p."latest_user_id"
FROM per_profile p
JOIN "identity_work"."anchors" a ON p.component = a.component;
ANALYZE "identity_work"."profiles_base";
DROP TABLE IF EXISTS "identity_work"."anchors";
-- profiles with their traits and audience flags
DROP TABLE IF EXISTS "identity"."profiles__next";
CREATE TABLE "identity"."profiles__next" AS
SELECT p.*,
  CASE WHEN (orders >= 5) THEN TRUE ELSE FALSE END AS "loyal_customers"
FROM (
  SELECT b.*,
    COALESCE(t1."orders", 0) AS "orders"
  FROM "identity_work"."profiles_base" b
  LEFT JOIN "identity_work"."traits_orders" t1 ON b.universal_id = t1.universal_id
) p;
ANALYZE "identity"."profiles__next";
DROP TABLE IF EXISTS "identity_work"."profiles_base";
DROP TABLE IF EXISTS "identity_work"."traits_orders";
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
  SELECT 'loyal_customers' AS audience, universal_id FROM "identity"."profiles__next" WHERE "loyal_customers"
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
DROP VIEW IF EXISTS "identity"."orders_stitched";
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
-- source orders with the universal id of each row
CREATE OR REPLACE VIEW "identity"."orders_stitched" AS
SELECT s.*, COALESCE(g1.universal_id, CAST(NULL AS TEXT)) AS universal_id
FROM "orders" s
LEFT JOIN "identity"."id_graph" g1 ON g1.id_type = 'user_id' AND g1.id_value = NULLIF(NULLIF(CAST(s."user_id" AS TEXT), ''), '');
DROP TABLE IF EXISTS "identity_state"."rows_orders";
ALTER TABLE "identity_state"."rows_orders__next" RENAME TO "rows_orders";
DROP TABLE IF EXISTS "identity_state"."hubs";
ALTER TABLE "identity_state"."hubs__next" RENAME TO "hubs";
DROP TABLE IF EXISTS "identity_state"."qvalues";
ALTER TABLE "identity_state"."qvalues__next" RENAME TO "qvalues";
DROP TABLE IF EXISTS "identity_state"."regions";
ALTER TABLE "identity_state"."regions__next" RENAME TO "regions";
DELETE FROM "identity_state"."meta" WHERE 1 = 1;
INSERT INTO "identity_state"."meta" (section, fingerprint) VALUES ('layout', '5'), ('audiences', '97bf9afaed28b79e'), ('checks', '4ecdf6afc5bfab7f'), ('degrees', 'b68bf12405ee2cb5'), ('id_salt', '6bf2f9c1e79bae9c'), ('id_types', 'bcd127bf19a05781'), ('limits', '{}'), ('policy', '439083f38956ba51'), ('sources', '3628f43fad7fceca'), ('traits', 'abb6819a4b6ccf40');
INSERT INTO "identity"."id_changes" (run_id, changed_at, kind, old_universal_id, new_universal_id, identifiers) SELECT 0, CAST(LOCALTIMESTAMP AS TIMESTAMP), kind, old_universal_id, new_universal_id, identifiers FROM "identity_work"."changes";
COMMIT;
