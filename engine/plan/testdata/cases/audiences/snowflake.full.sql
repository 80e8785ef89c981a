-- idstitch plan: project audiences, warehouse snowflake, components by contraction
-- The runner also records each run in the runs table; that bookkeeping is not part of this script, and run_id is 0 in what it writes.

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
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."PROFILES_BASE" AS
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
    MAX(CASE WHEN id_type = 'user_id' THEN latest END) AS "LATEST_USER_ID"
  FROM per_type
  GROUP BY component
)
SELECT a.universal_id, p.first_seen_at, p.last_seen_at, p.identifiers, p."USER_ID_COUNT", p."LATEST_USER_ID"
FROM per_profile p
JOIN "IDENTITY_WORK"."ANCHORS" a ON p.component = a.component;
-- profiles with their traits and audience flags
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY"."PROFILES__NEXT" AS
SELECT p.*,
  CASE WHEN (orders >= 5) THEN TRUE ELSE FALSE END AS "LOYAL_CUSTOMERS"
FROM (
  SELECT b.*,
    COALESCE(t1."ORDERS", 0) AS "ORDERS"
  FROM "IDENTITY_WORK"."PROFILES_BASE" b
  LEFT JOIN "IDENTITY_WORK"."TRAITS_ORDERS" t1 ON b.universal_id = t1.universal_id
) p;
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
  SELECT 'loyal_customers' AS audience, universal_id FROM "IDENTITY"."PROFILES__NEXT" WHERE "LOYAL_CUSTOMERS"
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
-- source orders with the universal id of each row
CREATE OR REPLACE VIEW "IDENTITY"."ORDERS_STITCHED" COPY GRANTS AS
SELECT s.*, COALESCE(g1.universal_id, CAST(NULL AS VARCHAR)) AS universal_id
FROM "ORDERS" s
LEFT JOIN "IDENTITY"."ID_GRAPH" g1 ON g1.id_type = 'user_id' AND g1.id_value = NULLIF(NULLIF(CAST(s."USER_ID" AS VARCHAR), ''), '');
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_STATE"."ROWS_ORDERS" CLONE "IDENTITY_STATE"."ROWS_ORDERS__NEXT" COPY GRANTS;
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
INSERT INTO "IDENTITY_STATE"."META" (section, fingerprint) VALUES ('layout', '5'), ('audiences', '97bf9afaed28b79e'), ('checks', '4ecdf6afc5bfab7f'), ('degrees', 'b68bf12405ee2cb5'), ('id_salt', '6bf2f9c1e79bae9c'), ('id_types', 'bcd127bf19a05781'), ('limits', '{}'), ('policy', '439083f38956ba51'), ('sources', '3628f43fad7fceca'), ('traits', 'abb6819a4b6ccf40');
INSERT INTO "IDENTITY"."ID_CHANGES" (run_id, changed_at, kind, old_universal_id, new_universal_id, identifiers) SELECT 0, CAST(SYSDATE() AS TIMESTAMP), kind, old_universal_id, new_universal_id, identifiers FROM "IDENTITY"."ID_CHANGES__NEXT";
COMMIT;
