-- idstitch plan: project audiences, warehouse snowflake, components by contraction
-- The runner also records each run in the runs table; that bookkeeping is not part of this script, and run_id is 0 in what it writes.

-- ===== stage outputs: the recomputed regions' rows of the output tables, and what changed
-- every identifier whose published rows are replaced
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."REDO" AS
SELECT DISTINCT node_id, id_type, id_value FROM (SELECT node_id, id_type, id_value FROM "IDENTITY_WORK"."NODES" UNION ALL SELECT node_id, id_type, id_value FROM "IDENTITY_WORK"."TOUCHED") r;
-- their published universal ids
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."OLD_MAP" AS
SELECT node_id, universal_id FROM "IDENTITY"."ID_GRAPH" WHERE node_id IN (SELECT node_id FROM "IDENTITY_WORK"."REDO");
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."REDO_IDS" AS
SELECT DISTINCT universal_id FROM (SELECT universal_id FROM "IDENTITY_WORK"."OLD_MAP" UNION ALL SELECT universal_id FROM "IDENTITY_WORK"."GRAPH") u;
-- of those, the identifiers whose published row changes
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."GRAPH_WRITE" AS
SELECT r.node_id FROM "IDENTITY_WORK"."REDO" r
WHERE r.node_id NOT IN (
  SELECT g.node_id
  FROM "IDENTITY_WORK"."GRAPH" g
  JOIN "IDENTITY"."ID_GRAPH" o ON o.node_id = g.node_id
  WHERE o.universal_id = g.universal_id AND o.id_type = g.id_type AND o.id_value = g.id_value AND o.row_count = g.row_count
    AND (o.first_seen_at = g.first_seen_at OR (o.first_seen_at IS NULL AND g.first_seen_at IS NULL))
    AND (o.last_seen_at = g.last_seen_at OR (o.last_seen_at IS NULL AND g.last_seen_at IS NULL))
);
-- and those whose stored region changes
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."REGIONS_WRITE" AS
SELECT r.node_id FROM "IDENTITY_WORK"."REDO" r
WHERE r.node_id NOT IN (
  SELECT n.node_id
  FROM "IDENTITY_WORK"."REGIONS_NEW" n
  JOIN "IDENTITY_STATE"."REGIONS" o ON o.node_id = n.node_id
  WHERE o.region = n.region AND o.id_type = n.id_type
);
-- universal ids that are new, merged, split or quarantined since the last run
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."CHANGES" AS
SELECT CASE
    WHEN p.new_id IS NULL THEN 'quarantine'
    WHEN p.old_id IS NULL THEN 'new'
    WHEN p.old_id IN (SELECT universal_id FROM "IDENTITY_WORK"."GRAPH") THEN 'split'
    ELSE 'merge'
  END AS kind,
  p.old_id AS old_universal_id, p.new_id AS new_universal_id, p.moved AS identifiers
FROM (
  SELECT old_id, new_id, COUNT(*) AS moved
  FROM (
    SELECT o.universal_id AS old_id, n.universal_id AS new_id
    FROM "IDENTITY_WORK"."OLD_MAP" o
    FULL OUTER JOIN "IDENTITY_WORK"."GRAPH" n ON o.node_id = n.node_id
  ) m
  WHERE old_id IS NULL OR new_id IS NULL OR old_id <> new_id
  GROUP BY old_id, new_id
) p
-- identifiers seen for the first time that join a profile which already existed change no id
WHERE NOT (p.old_id IS NULL AND p.new_id IN (SELECT universal_id FROM "IDENTITY_WORK"."OLD_MAP"));
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
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."PROFILES_REGION" AS
SELECT p.*,
  CASE WHEN (orders >= 5) THEN TRUE ELSE FALSE END AS "LOYAL_CUSTOMERS"
FROM (
  SELECT b.*,
    COALESCE(t1."ORDERS", 0) AS "ORDERS"
  FROM "IDENTITY_WORK"."PROFILES_BASE" b
  LEFT JOIN "IDENTITY_WORK"."TRAITS_ORDERS" t1 ON b.universal_id = t1.universal_id
) p;
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."EDGES_REGION" AS
SELECT ga.universal_id,
  ga.id_type AS id_type_a, ga.id_value AS id_value_a,
  gb.id_type AS id_type_b, gb.id_value AS id_value_b,
  e.row_count, e.first_seen_at, e.last_seen_at, e.sources
FROM "IDENTITY_WORK"."EDGES" e
JOIN "IDENTITY_WORK"."GRAPH" ga ON e.a = ga.node_id
JOIN "IDENTITY_WORK"."GRAPH" gb ON e.b = gb.node_id
-- one universal id per profile: its anchor's, which no other profile has
WHERE ga.universal_id = gb.universal_id;
-- what was kept out of the graph, and why
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY"."ID_QUARANTINE__NEXT" AS
SELECT id_type, id_value, reason, evidence, CAST(0 AS BIGINT) AS run_id
FROM (
  SELECT id_type, id_value, reason, evidence FROM "IDENTITY_WORK"."QVALUES_NEW"
  UNION ALL SELECT q.id_type, q.id_value, q.reason, q.evidence
FROM "IDENTITY"."ID_QUARANTINE" q
WHERE q.reason IN ('limit_conflict', 'anonymous_isolated')
  AND NOT EXISTS (SELECT 1 FROM "IDENTITY_WORK"."REDO" r WHERE r.id_type = q.id_type AND r.id_value = q.id_value)
) q;
-- audience members; those already in keep the time they entered
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY"."AUDIENCE_MEMBERS__NEXT" AS
SELECT m.audience, m.universal_id, COALESCE(prev.entered_at, CAST(SYSDATE() AS TIMESTAMP)) AS entered_at
FROM (
  SELECT 'loyal_customers' AS audience, universal_id FROM "IDENTITY_WORK"."PROFILES_REGION" WHERE "LOYAL_CUSTOMERS"
) m
LEFT JOIN "IDENTITY"."AUDIENCE_MEMBERS" prev ON prev.audience = m.audience AND prev.universal_id = m.universal_id
UNION ALL
SELECT audience, universal_id, entered_at FROM "IDENTITY"."AUDIENCE_MEMBERS"
WHERE universal_id NOT IN (SELECT universal_id FROM "IDENTITY_WORK"."REDO_IDS");
-- the published links of those profiles that change or go, and the links that are new or changed
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."EDGES_DIFF" AS
SELECT o.universal_id AS s_universal_id, o.id_type_a AS s_id_type_a, o.id_value_a AS s_id_value_a,
  o.id_type_b AS s_id_type_b, o.id_value_b AS s_id_value_b,
  n.*
FROM (SELECT * FROM "IDENTITY"."ID_EDGES" WHERE universal_id IN (SELECT universal_id FROM "IDENTITY_WORK"."REDO_IDS")) o
FULL OUTER JOIN "IDENTITY_WORK"."EDGES_REGION" n
  ON n.universal_id = o.universal_id AND n.id_type_a = o.id_type_a AND n.id_value_a = o.id_value_a
  AND n.id_type_b = o.id_type_b AND n.id_value_b = o.id_value_b
WHERE o.universal_id IS NULL OR n.universal_id IS NULL OR NOT COALESCE(n.row_count = o.row_count AND n.sources = o.sources
  AND (COALESCE(n.first_seen_at = o.first_seen_at, FALSE) OR (n.first_seen_at IS NULL AND o.first_seen_at IS NULL))
  AND (COALESCE(n.last_seen_at = o.last_seen_at, FALSE) OR (n.last_seen_at IS NULL AND o.last_seen_at IS NULL)), FALSE);

-- ===== stage publish: replace the recomputed regions' rows and update the state, all together
BEGIN;
DELETE FROM "IDENTITY"."ID_GRAPH" WHERE node_id IN (SELECT node_id FROM "IDENTITY_WORK"."GRAPH_WRITE");
INSERT INTO "IDENTITY"."ID_GRAPH" SELECT * FROM (SELECT universal_id, id_type, id_value, first_seen_at, last_seen_at, row_count, node_id
FROM "IDENTITY_WORK"."GRAPH") q WHERE q.node_id IN (SELECT node_id FROM "IDENTITY_WORK"."GRAPH_WRITE");
DELETE FROM "IDENTITY"."PROFILES" WHERE universal_id IN (SELECT universal_id FROM "IDENTITY_WORK"."REDO_IDS");
INSERT INTO "IDENTITY"."PROFILES" SELECT * FROM "IDENTITY_WORK"."PROFILES_REGION";
DELETE FROM "IDENTITY"."ID_EDGES" USING (
  SELECT s_universal_id, s_id_type_a, s_id_value_a, s_id_type_b, s_id_value_b
  FROM "IDENTITY_WORK"."EDGES_DIFF" WHERE s_universal_id IS NOT NULL
) s
WHERE universal_id = s.s_universal_id AND id_type_a = s.s_id_type_a AND id_value_a = s.s_id_value_a
  AND id_type_b = s.s_id_type_b AND id_value_b = s.s_id_value_b;
INSERT INTO "IDENTITY"."ID_EDGES"
SELECT universal_id, id_type_a, id_value_a, id_type_b, id_value_b, row_count, first_seen_at, last_seen_at, sources
FROM "IDENTITY_WORK"."EDGES_DIFF"
WHERE universal_id IS NOT NULL;
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
DELETE FROM "IDENTITY"."ID_QUARANTINE" WHERE 1 = 1;
INSERT INTO "IDENTITY"."ID_QUARANTINE" SELECT * FROM "IDENTITY"."ID_QUARANTINE__NEXT";
DELETE FROM "IDENTITY"."AUDIENCE_MEMBERS" WHERE 1 = 1;
INSERT INTO "IDENTITY"."AUDIENCE_MEMBERS" SELECT * FROM "IDENTITY"."AUDIENCE_MEMBERS__NEXT";
-- the rows of orders
DELETE FROM "IDENTITY_STATE"."ROWS_ORDERS" WHERE (ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) AND row_hash IN (SELECT row_hash FROM "IDENTITY_WORK"."GONE_ORDERS");
INSERT INTO "IDENTITY_STATE"."ROWS_ORDERS" SELECT * FROM "IDENTITY_WORK"."INS_ORDERS";
DELETE FROM "IDENTITY_STATE"."QVALUES" WHERE 1 = 1;
INSERT INTO "IDENTITY_STATE"."QVALUES" SELECT id_type, id_value, reason, evidence FROM "IDENTITY_WORK"."QVALUES_NEW";
DELETE FROM "IDENTITY_STATE"."REGIONS" WHERE node_id IN (SELECT node_id FROM "IDENTITY_WORK"."REGIONS_WRITE");
INSERT INTO "IDENTITY_STATE"."REGIONS" SELECT * FROM (SELECT node_id, region, id_type FROM "IDENTITY_WORK"."REGIONS_NEW") q WHERE q.node_id IN (SELECT node_id FROM "IDENTITY_WORK"."REGIONS_WRITE");
DELETE FROM "IDENTITY_STATE"."META" WHERE 1 = 1;
INSERT INTO "IDENTITY_STATE"."META" (section, fingerprint) VALUES ('layout', '5'), ('audiences', '97bf9afaed28b79e'), ('checks', '4ecdf6afc5bfab7f'), ('degrees', 'b68bf12405ee2cb5'), ('id_salt', '6bf2f9c1e79bae9c'), ('id_types', 'bcd127bf19a05781'), ('limits', '{}'), ('policy', '439083f38956ba51'), ('sources', '3628f43fad7fceca'), ('traits', 'abb6819a4b6ccf40');
INSERT INTO "IDENTITY"."ID_CHANGES" (run_id, changed_at, kind, old_universal_id, new_universal_id, identifiers) SELECT 0, CAST(SYSDATE() AS TIMESTAMP), kind, old_universal_id, new_universal_id, identifiers FROM "IDENTITY_WORK"."CHANGES";
COMMIT;
