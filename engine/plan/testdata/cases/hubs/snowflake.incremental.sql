-- idstitch plan: project hubs, warehouse snowflake, components by contraction
-- The runner also records each run in the runs table; that bookkeeping is not part of this script, and run_id is 0 in what it writes.

-- ===== stage region: the identifiers the changed rows touch, the hub decisions they change, and the regions to recompute
-- identifiers on rows that are new, changed or gone
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."TOUCHED" AS
SELECT DISTINCT node_id, id_type, id_value
FROM (
  SELECT n1 AS node_id, 'user_id' AS id_type, v1 AS id_value
  FROM "IDENTITY_WORK"."INS_EVENTS" WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 AS node_id, 'device_id' AS id_type, v2 AS id_value
  FROM "IDENTITY_WORK"."INS_EVENTS" WHERE n2 IS NOT NULL
  UNION ALL SELECT n3 AS node_id, 'anonymous_id' AS id_type, v3 AS id_value
  FROM "IDENTITY_WORK"."INS_EVENTS" WHERE n3 IS NOT NULL
  UNION ALL SELECT n1 AS node_id, 'user_id' AS id_type, v1 AS id_value
  FROM "IDENTITY_WORK"."DEL_EVENTS" WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 AS node_id, 'device_id' AS id_type, v2 AS id_value
  FROM "IDENTITY_WORK"."DEL_EVENTS" WHERE n2 IS NOT NULL
  UNION ALL SELECT n3 AS node_id, 'anonymous_id' AS id_type, v3 AS id_value
  FROM "IDENTITY_WORK"."DEL_EVENTS" WHERE n3 IS NOT NULL
) t;
-- invalid and blocked values, counted over all rows
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."QVALUES_NEW" AS
SELECT CAST(NULL AS VARCHAR) AS id_type, CAST(NULL AS VARCHAR) AS id_value, CAST(NULL AS VARCHAR) AS reason, CAST(NULL AS BIGINT) AS evidence WHERE 1 = 0;
-- the identifiers of the rows of events that hold a touched identifier
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."NEAR_EVENTS" AS
-- The stored rows that hold one of the identifiers, less those this run replaces, and the new
-- rows that hold one: filtering by identifier first keeps the costlier test to few rows.
SELECT n1, n2, n3 FROM (
  SELECT * FROM "IDENTITY_STATE"."ROWS_EVENTS" s WHERE s.n1 IN (SELECT node_id FROM "IDENTITY_WORK"."TOUCHED") OR s.n2 IN (SELECT node_id FROM "IDENTITY_WORK"."TOUCHED") OR s.n3 IN (SELECT node_id FROM "IDENTITY_WORK"."TOUCHED")
) s
WHERE NOT ((ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) AND s.row_hash IN (SELECT row_hash FROM "IDENTITY_WORK"."GONE_EVENTS"))
UNION ALL
SELECT n1, n2, n3 FROM "IDENTITY_WORK"."INS_EVENTS" s WHERE s.n1 IN (SELECT node_id FROM "IDENTITY_WORK"."TOUCHED") OR s.n2 IN (SELECT node_id FROM "IDENTITY_WORK"."TOUCHED") OR s.n3 IN (SELECT node_id FROM "IDENTITY_WORK"."TOUCHED");
-- hubs: the stored ones, with the touched identifiers decided again over all their rows
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."HUBS_NAMED" AS
SELECT node_id, degree, id_type, id_value FROM "IDENTITY_STATE"."HUBS"
WHERE node_id NOT IN (SELECT node_id FROM "IDENTITY_WORK"."TOUCHED")
UNION ALL
SELECT h.node_id, h.degree, t.id_type, t.id_value
FROM (
SELECT node_id, degree
FROM (
  SELECT node AS node_id, max_degree, COUNT(DISTINCT other) AS degree
  FROM (
    SELECT n2 AS node, n1 AS other, 20 AS max_degree
    FROM "IDENTITY_WORK"."NEAR_EVENTS" WHERE n2 IS NOT NULL AND n1 IS NOT NULL AND n2 <> n1
    UNION ALL SELECT n2 AS node, n3 AS other, 20 AS max_degree
    FROM "IDENTITY_WORK"."NEAR_EVENTS" WHERE n2 IS NOT NULL AND n3 IS NOT NULL AND n2 <> n3
  ) p
  GROUP BY node, max_degree
) d
WHERE degree > max_degree
) h
JOIN "IDENTITY_WORK"."TOUCHED" t ON h.node_id = t.node_id;
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."HUBS" AS
SELECT node_id, degree FROM "IDENTITY_WORK"."HUBS_NAMED";
-- identifiers that became hubs or stopped being ones
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."FLIPS" AS
SELECT t.node_id
FROM "IDENTITY_WORK"."TOUCHED" t
WHERE (CASE WHEN t.node_id IN (SELECT node_id FROM "IDENTITY_STATE"."HUBS") THEN 1 ELSE 0 END)
   <> (CASE WHEN t.node_id IN (SELECT node_id FROM "IDENTITY_WORK"."HUBS_NAMED") THEN 1 ELSE 0 END);
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."FLIPROWS_EVENTS" AS
SELECT n1, n2, n3 FROM "IDENTITY_WORK"."NEAR_EVENTS" s WHERE s.n1 IN (SELECT node_id FROM "IDENTITY_WORK"."FLIPS") OR s.n2 IN (SELECT node_id FROM "IDENTITY_WORK"."FLIPS") OR s.n3 IN (SELECT node_id FROM "IDENTITY_WORK"."FLIPS");
-- touched identifiers, the partners of those whose hub decision flipped, and the regions a changed limit can split
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."SEEDS" AS
SELECT DISTINCT node_id FROM (
  SELECT node_id FROM "IDENTITY_WORK"."TOUCHED"
  UNION ALL SELECT n1 FROM "IDENTITY_WORK"."FLIPROWS_EVENTS" WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 FROM "IDENTITY_WORK"."FLIPROWS_EVENTS" WHERE n2 IS NOT NULL
  UNION ALL SELECT n3 FROM "IDENTITY_WORK"."FLIPROWS_EVENTS" WHERE n3 IS NOT NULL
) s;
-- every identifier of the regions the seeds are in
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."RNODES" AS
SELECT DISTINCT node_id FROM (
  SELECT node_id FROM "IDENTITY_STATE"."REGIONS"
  WHERE region IN (
    SELECT r.region FROM "IDENTITY_STATE"."REGIONS" r JOIN "IDENTITY_WORK"."SEEDS" s ON r.node_id = s.node_id
  )
  UNION ALL
  SELECT node_id FROM "IDENTITY_WORK"."SEEDS"
) n
-- A hub's rows span many regions: it is in none, and its rows come in only through the others.
WHERE node_id NOT IN (SELECT node_id FROM "IDENTITY_WORK"."HUBS");
-- the value of every identifier on the rows of those regions
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."NAMES" AS
SELECT DISTINCT node_id, id_value FROM (
  SELECT node_id, id_value FROM "IDENTITY"."ID_GRAPH"
  WHERE node_id IN (SELECT node_id FROM "IDENTITY_WORK"."RNODES")
  UNION ALL
  SELECT HASH(id_type, id_value) AS node_id, id_value FROM "IDENTITY"."ID_QUARANTINE"
  WHERE reason IN ('limit_conflict', 'anonymous_isolated')
  UNION ALL
  SELECT node_id, id_value FROM "IDENTITY_WORK"."TOUCHED"
  UNION ALL
  SELECT node_id, id_value FROM "IDENTITY_WORK"."HUBS_NAMED"
) n;
-- rows of events in those regions
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."SRC_EVENTS" AS
-- The stored rows that hold one of the identifiers, less those this run replaces, and the new
-- rows that hold one: filtering by identifier first keeps the costlier test to few rows.
SELECT ts, row_hash, n1, n2, n3 FROM (
  SELECT * FROM "IDENTITY_STATE"."ROWS_EVENTS" s WHERE s.n1 IN (SELECT node_id FROM "IDENTITY_WORK"."RNODES") OR s.n2 IN (SELECT node_id FROM "IDENTITY_WORK"."RNODES") OR s.n3 IN (SELECT node_id FROM "IDENTITY_WORK"."RNODES")
) s
WHERE NOT ((ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) AND s.row_hash IN (SELECT row_hash FROM "IDENTITY_WORK"."GONE_EVENTS"))
UNION ALL
SELECT ts, row_hash, n1, n2, n3 FROM "IDENTITY_WORK"."INS_EVENTS" s WHERE s.n1 IN (SELECT node_id FROM "IDENTITY_WORK"."RNODES") OR s.n2 IN (SELECT node_id FROM "IDENTITY_WORK"."RNODES") OR s.n3 IN (SELECT node_id FROM "IDENTITY_WORK"."RNODES");

-- ===== stage guards: values that are invalid or blocked, and hubs, are kept out of the graph
-- source events without its hubs
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."KEPT_EVENTS" AS
SELECT ts,
  CASE WHEN n1 IN (SELECT node_id FROM "IDENTITY_WORK"."HUBS") THEN NULL ELSE n1 END AS n1,
  CASE WHEN n2 IN (SELECT node_id FROM "IDENTITY_WORK"."HUBS") THEN NULL ELSE n2 END AS n2,
  CASE WHEN n3 IN (SELECT node_id FROM "IDENTITY_WORK"."HUBS") THEN NULL ELSE n3 END AS n3
FROM "IDENTITY_WORK"."SRC_EVENTS";

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
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."PROFILES_REGION" AS
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
  UNION ALL SELECT id_type, id_value, 'hub' AS reason, degree AS evidence FROM "IDENTITY_WORK"."HUBS_NAMED"
) q;
-- audience members; those already in keep the time they entered
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY"."AUDIENCE_MEMBERS__NEXT" AS
SELECT m.audience, m.universal_id, COALESCE(prev.entered_at, CAST(SYSDATE() AS TIMESTAMP)) AS entered_at
FROM (
  SELECT CAST(NULL AS VARCHAR) AS audience, CAST(NULL AS VARCHAR) AS universal_id FROM "IDENTITY_WORK"."PROFILES_REGION" WHERE 1 = 0
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
-- the rows of events
DELETE FROM "IDENTITY_STATE"."ROWS_EVENTS" WHERE (ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) AND row_hash IN (SELECT row_hash FROM "IDENTITY_WORK"."GONE_EVENTS");
INSERT INTO "IDENTITY_STATE"."ROWS_EVENTS" SELECT * FROM "IDENTITY_WORK"."INS_EVENTS";
DELETE FROM "IDENTITY_STATE"."HUBS" WHERE 1 = 1;
INSERT INTO "IDENTITY_STATE"."HUBS" SELECT node_id, degree, id_type, id_value FROM "IDENTITY_WORK"."HUBS_NAMED";
DELETE FROM "IDENTITY_STATE"."QVALUES" WHERE 1 = 1;
INSERT INTO "IDENTITY_STATE"."QVALUES" SELECT id_type, id_value, reason, evidence FROM "IDENTITY_WORK"."QVALUES_NEW";
DELETE FROM "IDENTITY_STATE"."REGIONS" WHERE node_id IN (SELECT node_id FROM "IDENTITY_WORK"."REGIONS_WRITE");
INSERT INTO "IDENTITY_STATE"."REGIONS" SELECT * FROM (SELECT node_id, region, id_type FROM "IDENTITY_WORK"."REGIONS_NEW") q WHERE q.node_id IN (SELECT node_id FROM "IDENTITY_WORK"."REGIONS_WRITE");
DELETE FROM "IDENTITY_STATE"."META" WHERE 1 = 1;
INSERT INTO "IDENTITY_STATE"."META" (section, fingerprint) VALUES ('layout', '5'), ('audiences', '74234e98afe7498f'), ('checks', 'fc68f8420a6d72df'), ('degrees', '4bd5bf5ffc86cfb8'), ('id_salt', '48dd836a617dbe4a'), ('id_types', 'e613c4f0047a06b5'), ('limits', '{}'), ('policy', '439083f38956ba51'), ('sources', 'c194d3a0ecf2a120'), ('traits', '74234e98afe7498f');
INSERT INTO "IDENTITY"."ID_CHANGES" (run_id, changed_at, kind, old_universal_id, new_universal_id, identifiers) SELECT 0, CAST(SYSDATE() AS TIMESTAMP), kind, old_universal_id, new_universal_id, identifiers FROM "IDENTITY_WORK"."CHANGES";
COMMIT;

-- append-only path, taken when this counts 0 after the extract stage:
SELECT 0 + (SELECT COUNT(*) FROM "IDENTITY_WORK"."GONE_EVENTS") AS n;

-- idstitch plan: project hubs, warehouse snowflake, components by contraction
-- The runner also records each run in the runs table; that bookkeeping is not part of this script, and run_id is 0 in what it writes.

-- ===== stage guards: values that are invalid or blocked, and hubs, are kept out of the graph
-- identifiers on the batch's rows
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."TOUCHED" AS
SELECT DISTINCT node_id, id_type, id_value
FROM (
  SELECT n1 AS node_id, 'user_id' AS id_type, v1 AS id_value
  FROM "IDENTITY_WORK"."INS_EVENTS" WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 AS node_id, 'device_id' AS id_type, v2 AS id_value
  FROM "IDENTITY_WORK"."INS_EVENTS" WHERE n2 IS NOT NULL
  UNION ALL SELECT n3 AS node_id, 'anonymous_id' AS id_type, v3 AS id_value
  FROM "IDENTITY_WORK"."INS_EVENTS" WHERE n3 IS NOT NULL
  UNION ALL SELECT n1 AS node_id, 'user_id' AS id_type, v1 AS id_value
  FROM "IDENTITY_WORK"."DEL_EVENTS" WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 AS node_id, 'device_id' AS id_type, v2 AS id_value
  FROM "IDENTITY_WORK"."DEL_EVENTS" WHERE n2 IS NOT NULL
  UNION ALL SELECT n3 AS node_id, 'anonymous_id' AS id_type, v3 AS id_value
  FROM "IDENTITY_WORK"."DEL_EVENTS" WHERE n3 IS NOT NULL
) t;
-- invalid and blocked values, counted over all rows
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."QVALUES_NEW" AS
SELECT CAST(NULL AS VARCHAR) AS id_type, CAST(NULL AS VARCHAR) AS id_value, CAST(NULL AS VARCHAR) AS reason, CAST(NULL AS BIGINT) AS evidence WHERE 1 = 0;
-- the identifiers of the rows of events that hold a touched identifier
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."NEAR_EVENTS" AS
-- The stored rows that hold one of the identifiers, less those this run replaces, and the new
-- rows that hold one: filtering by identifier first keeps the costlier test to few rows.
SELECT n1, n2, n3 FROM (
  SELECT * FROM "IDENTITY_STATE"."ROWS_EVENTS" s WHERE s.n1 IN (SELECT node_id FROM "IDENTITY_WORK"."TOUCHED") OR s.n2 IN (SELECT node_id FROM "IDENTITY_WORK"."TOUCHED") OR s.n3 IN (SELECT node_id FROM "IDENTITY_WORK"."TOUCHED")
) s
WHERE NOT ((ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) AND s.row_hash IN (SELECT row_hash FROM "IDENTITY_WORK"."GONE_EVENTS"))
UNION ALL
SELECT n1, n2, n3 FROM "IDENTITY_WORK"."INS_EVENTS" s WHERE s.n1 IN (SELECT node_id FROM "IDENTITY_WORK"."TOUCHED") OR s.n2 IN (SELECT node_id FROM "IDENTITY_WORK"."TOUCHED") OR s.n3 IN (SELECT node_id FROM "IDENTITY_WORK"."TOUCHED");
-- hubs: the stored ones, with the touched identifiers decided again over all their rows
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."HUBS_NAMED" AS
SELECT node_id, degree, id_type, id_value FROM "IDENTITY_STATE"."HUBS"
WHERE node_id NOT IN (SELECT node_id FROM "IDENTITY_WORK"."TOUCHED")
UNION ALL
SELECT h.node_id, h.degree, t.id_type, t.id_value
FROM (
SELECT node_id, degree
FROM (
  SELECT node AS node_id, max_degree, COUNT(DISTINCT other) AS degree
  FROM (
    SELECT n2 AS node, n1 AS other, 20 AS max_degree
    FROM "IDENTITY_WORK"."NEAR_EVENTS" WHERE n2 IS NOT NULL AND n1 IS NOT NULL AND n2 <> n1
    UNION ALL SELECT n2 AS node, n3 AS other, 20 AS max_degree
    FROM "IDENTITY_WORK"."NEAR_EVENTS" WHERE n2 IS NOT NULL AND n3 IS NOT NULL AND n2 <> n3
  ) p
  GROUP BY node, max_degree
) d
WHERE degree > max_degree
) h
JOIN "IDENTITY_WORK"."TOUCHED" t ON h.node_id = t.node_id;
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."HUBS" AS
SELECT node_id, degree FROM "IDENTITY_WORK"."HUBS_NAMED";
-- identifiers that became hubs or stopped being ones
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."FLIPS" AS
SELECT t.node_id
FROM "IDENTITY_WORK"."TOUCHED" t
WHERE (CASE WHEN t.node_id IN (SELECT node_id FROM "IDENTITY_STATE"."HUBS") THEN 1 ELSE 0 END)
   <> (CASE WHEN t.node_id IN (SELECT node_id FROM "IDENTITY_WORK"."HUBS_NAMED") THEN 1 ELSE 0 END);
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."FLIPROWS_EVENTS" AS
SELECT n1, n2, n3 FROM "IDENTITY_WORK"."NEAR_EVENTS" s WHERE s.n1 IN (SELECT node_id FROM "IDENTITY_WORK"."FLIPS") OR s.n2 IN (SELECT node_id FROM "IDENTITY_WORK"."FLIPS") OR s.n3 IN (SELECT node_id FROM "IDENTITY_WORK"."FLIPS");
-- the batch's rows of events without their hubs
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."KEPT_EVENTS" AS
SELECT ts,
  CASE WHEN n1 IN (SELECT node_id FROM "IDENTITY_WORK"."HUBS") THEN NULL ELSE n1 END AS n1,
  CASE WHEN n2 IN (SELECT node_id FROM "IDENTITY_WORK"."HUBS") THEN NULL ELSE n2 END AS n2,
  CASE WHEN n3 IN (SELECT node_id FROM "IDENTITY_WORK"."HUBS") THEN NULL ELSE n3 END AS n3
FROM "IDENTITY_WORK"."INS_EVENTS";

-- ===== stage edges: the batch's links
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

-- ===== stage outputs: the rows of the output tables the batch changes, and what changed
-- the batch's identifiers, and those of the profiles whose id changes
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."GRAPH" AS
SELECT a.universal_id, n.id_type, n.id_value,
  CASE WHEN o.first_seen_at IS NULL OR o.first_seen_at > n.first_seen_at THEN n.first_seen_at ELSE o.first_seen_at END AS first_seen_at,
  CASE WHEN o.last_seen_at IS NULL OR o.last_seen_at < n.last_seen_at THEN n.last_seen_at ELSE o.last_seen_at END AS last_seen_at,
  CAST(COALESCE(o.row_count, 0) + n.row_count AS BIGINT) AS row_count, n.node_id, o.universal_id AS old_universal_id
FROM "IDENTITY_WORK"."NODES" n
JOIN "IDENTITY_WORK"."APP_GROUPS" g ON g.node_id = n.node_id
JOIN "IDENTITY_WORK"."ANCHORS" a ON a.component = g.grp
LEFT JOIN "IDENTITY_WORK"."APP_OLD" o ON o.node_id = n.node_id
UNION ALL
SELECT m.new_id AS universal_id, x.id_type, x.id_value, x.first_seen_at, x.last_seen_at, x.row_count, x.node_id, m.old_id AS old_universal_id
FROM "IDENTITY"."ID_GRAPH" x
JOIN "IDENTITY_WORK"."APP_MOVES" m ON x.universal_id = m.old_id
WHERE m.old_id <> m.new_id AND x.node_id NOT IN (SELECT node_id FROM "IDENTITY_WORK"."NODES");
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."REDO" AS
SELECT node_id, id_type, id_value FROM "IDENTITY_WORK"."GRAPH";
-- their published universal ids
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."OLD_MAP" AS
SELECT node_id, old_universal_id AS universal_id FROM "IDENTITY_WORK"."GRAPH" WHERE old_universal_id IS NOT NULL;
-- every row of graph replaces its published one
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."GRAPH_WRITE" AS
SELECT node_id, id_type FROM "IDENTITY_WORK"."GRAPH";
-- each group's region label: its smallest node id
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."APP_LABELS" AS
SELECT grp, MIN(region) AS region
FROM (
  SELECT grp, region FROM "IDENTITY_WORK"."APP_REGION_OLD"
  UNION ALL
  SELECT grp, node_id AS region FROM "IDENTITY_WORK"."APP_GROUPS" WHERE node_id NOT IN (SELECT node_id FROM "IDENTITY_WORK"."APP_OLD")
) r
GROUP BY grp;
-- the regions rows that change
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."REGIONS_NEW" AS
SELECT g.node_id, l.region, n.id_type
FROM "IDENTITY_WORK"."APP_GROUPS" g
JOIN "IDENTITY_WORK"."APP_LABELS" l ON l.grp = g.grp
JOIN "IDENTITY_WORK"."NODES" n ON n.node_id = g.node_id
UNION ALL
SELECT r.node_id, l.region, r.id_type
FROM "IDENTITY_STATE"."REGIONS" r
JOIN "IDENTITY_WORK"."APP_REGION_OLD" o ON r.region = o.region
JOIN "IDENTITY_WORK"."APP_LABELS" l ON l.grp = o.grp
WHERE o.region <> l.region AND r.node_id NOT IN (SELECT node_id FROM "IDENTITY_WORK"."NODES");
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."REGIONS_WRITE" AS
SELECT node_id, id_type FROM "IDENTITY_WORK"."REGIONS_NEW";
-- the universal ids whose profiles rows are replaced
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."REDO_IDS" AS
SELECT DISTINCT universal_id FROM (
  SELECT old_id AS universal_id FROM "IDENTITY_WORK"."APP_MOVES"
  UNION ALL
  SELECT universal_id FROM "IDENTITY_WORK"."ANCHORS"
) u;
-- one profiles row per group
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."PROFILES_REGION" AS
WITH parts AS (
  SELECT m.grp, p.first_seen_at, p.last_seen_at, p.identifiers, p."USER_ID_COUNT", p."DEVICE_ID_COUNT", p."ANONYMOUS_ID_COUNT"
  FROM "IDENTITY"."PROFILES" p
  JOIN "IDENTITY_WORK"."APP_MOVES" m ON p.universal_id = m.old_id
  UNION ALL
  SELECT g.grp, n.first_seen_at, n.last_seen_at, CASE WHEN o.node_id IS NULL THEN 1 ELSE 0 END, CASE WHEN o.node_id IS NULL AND n.id_type = 'user_id' THEN 1 ELSE 0 END, CASE WHEN o.node_id IS NULL AND n.id_type = 'device_id' THEN 1 ELSE 0 END, CASE WHEN o.node_id IS NULL AND n.id_type = 'anonymous_id' THEN 1 ELSE 0 END
  FROM "IDENTITY_WORK"."NODES" n
  JOIN "IDENTITY_WORK"."APP_GROUPS" g ON g.node_id = n.node_id
  LEFT JOIN "IDENTITY_WORK"."APP_OLD" o ON o.node_id = n.node_id
), latest AS (
  SELECT grp, id_type, id_value,
    ROW_NUMBER() OVER (PARTITION BY grp, id_type ORDER BY last_seen_at DESC NULLS LAST, id_value DESC) AS pos
  FROM (
    SELECT g.grp, n.id_type, n.id_value,
      CASE WHEN o.last_seen_at IS NULL OR o.last_seen_at < n.last_seen_at THEN n.last_seen_at ELSE o.last_seen_at END AS last_seen_at
    FROM "IDENTITY_WORK"."NODES" n
    JOIN "IDENTITY_WORK"."APP_GROUPS" g ON g.node_id = n.node_id
    LEFT JOIN "IDENTITY_WORK"."APP_OLD" o ON o.node_id = n.node_id
    UNION ALL
    SELECT l.grp, x.id_type, x.id_value, x.last_seen_at
    FROM "IDENTITY"."ID_GRAPH" x
    JOIN (
      SELECT m.old_id, m.grp, 'user_id' AS id_type, p."LATEST_USER_ID" AS id_value
      FROM "IDENTITY"."PROFILES" p JOIN "IDENTITY_WORK"."APP_MOVES" m ON p.universal_id = m.old_id
      UNION ALL SELECT m.old_id, m.grp, 'device_id' AS id_type, p."LATEST_DEVICE_ID" AS id_value
      FROM "IDENTITY"."PROFILES" p JOIN "IDENTITY_WORK"."APP_MOVES" m ON p.universal_id = m.old_id
      UNION ALL SELECT m.old_id, m.grp, 'anonymous_id' AS id_type, p."LATEST_ANONYMOUS_ID" AS id_value
      FROM "IDENTITY"."PROFILES" p JOIN "IDENTITY_WORK"."APP_MOVES" m ON p.universal_id = m.old_id
    ) l ON x.universal_id = l.old_id AND x.id_type = l.id_type AND x.id_value = l.id_value
  ) c
)
SELECT a.universal_id, s.first_seen_at, s.last_seen_at, s.identifiers, s."USER_ID_COUNT", l."LATEST_USER_ID", s."DEVICE_ID_COUNT", l."LATEST_DEVICE_ID", s."ANONYMOUS_ID_COUNT", l."LATEST_ANONYMOUS_ID"
FROM (
  SELECT grp, MIN(first_seen_at) AS first_seen_at, MAX(last_seen_at) AS last_seen_at, CAST(SUM(identifiers) AS BIGINT) AS identifiers, CAST(SUM("USER_ID_COUNT") AS BIGINT) AS "USER_ID_COUNT", CAST(SUM("DEVICE_ID_COUNT") AS BIGINT) AS "DEVICE_ID_COUNT", CAST(SUM("ANONYMOUS_ID_COUNT") AS BIGINT) AS "ANONYMOUS_ID_COUNT"
  FROM parts
  GROUP BY grp
) s
JOIN "IDENTITY_WORK"."ANCHORS" a ON a.component = s.grp
LEFT JOIN (
  SELECT grp, MAX(CASE WHEN id_type = 'user_id' THEN id_value END) AS "LATEST_USER_ID", MAX(CASE WHEN id_type = 'device_id' THEN id_value END) AS "LATEST_DEVICE_ID", MAX(CASE WHEN id_type = 'anonymous_id' THEN id_value END) AS "LATEST_ANONYMOUS_ID"
  FROM latest
  WHERE pos = 1
  GROUP BY grp
) l ON l.grp = s.grp;
-- universal ids that are new or merged since the last run
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
-- the links the batch adds, and the published ones it adds to or relabels
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."EDGES_DIFF" AS
WITH moved AS (
  SELECT old_id, new_id FROM "IDENTITY_WORK"."APP_MOVES" WHERE old_id <> new_id
), b AS (
  SELECT a.universal_id, na.id_type AS id_type_a, na.id_value AS id_value_a, nb.id_type AS id_type_b, nb.id_value AS id_value_b,
    e.row_count, e.first_seen_at, e.last_seen_at, e.sources, oa.universal_id AS old_a, ob.universal_id AS old_b
  FROM "IDENTITY_WORK"."EDGES" e
  JOIN "IDENTITY_WORK"."NODES" na ON na.node_id = e.a
  JOIN "IDENTITY_WORK"."NODES" nb ON nb.node_id = e.b
  JOIN "IDENTITY_WORK"."APP_GROUPS" g ON g.node_id = e.a
  JOIN "IDENTITY_WORK"."ANCHORS" a ON a.component = g.grp
  LEFT JOIN "IDENTITY_WORK"."APP_OLD" oa ON oa.node_id = e.a
  LEFT JOIN "IDENTITY_WORK"."APP_OLD" ob ON ob.node_id = e.b
), kept AS (
  SELECT old_a, id_type_a, id_value_a, id_type_b, id_value_b FROM b
  WHERE old_a = old_b AND old_a NOT IN (SELECT old_id FROM moved)
), o AS (
  -- one pass over the published links
  SELECT p.universal_id, p.id_type_a, p.id_value_a, p.id_type_b, p.id_value_b, p.row_count, p.first_seen_at, p.last_seen_at, p.sources,
    COALESCE(m.new_id, p.universal_id) AS new_id
  FROM "IDENTITY"."ID_EDGES" p
  LEFT JOIN moved m ON p.universal_id = m.old_id
  LEFT JOIN kept k ON p.universal_id = k.old_a AND p.id_type_a = k.id_type_a AND p.id_value_a = k.id_value_a
    AND p.id_type_b = k.id_type_b AND p.id_value_b = k.id_value_b
  WHERE m.old_id IS NOT NULL OR k.old_a IS NOT NULL
)
SELECT o.universal_id AS s_universal_id, o.id_type_a AS s_id_type_a, o.id_value_a AS s_id_value_a,
  o.id_type_b AS s_id_type_b, o.id_value_b AS s_id_value_b,
  COALESCE(b.universal_id, o.new_id) AS universal_id,
  COALESCE(b.id_type_a, o.id_type_a) AS id_type_a, COALESCE(b.id_value_a, o.id_value_a) AS id_value_a,
  COALESCE(b.id_type_b, o.id_type_b) AS id_type_b, COALESCE(b.id_value_b, o.id_value_b) AS id_value_b,
  CAST(COALESCE(o.row_count, 0) + COALESCE(b.row_count, 0) AS BIGINT) AS row_count,
  CASE WHEN o.first_seen_at IS NULL OR o.first_seen_at > b.first_seen_at THEN b.first_seen_at ELSE o.first_seen_at END AS first_seen_at,
  CASE WHEN o.last_seen_at IS NULL OR o.last_seen_at < b.last_seen_at THEN b.last_seen_at ELSE o.last_seen_at END AS last_seen_at,
  SUBSTR(('' || CASE WHEN (REGEXP_INSTR(o.sources, '(^|,)events(,|$)') > 0) OR (REGEXP_INSTR(b.sources, '(^|,)events(,|$)') > 0) THEN ',events' ELSE '' END), 2) AS sources
FROM o
FULL OUTER JOIN b ON o.id_type_a = b.id_type_a AND o.id_value_a = b.id_value_a AND o.id_type_b = b.id_type_b AND o.id_value_b = b.id_value_b;
-- what was kept out of the graph, and why
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY"."ID_QUARANTINE__NEXT" AS
SELECT id_type, id_value, reason, evidence, CAST(0 AS BIGINT) AS run_id
FROM (
  SELECT id_type, id_value, reason, evidence FROM "IDENTITY_WORK"."QVALUES_NEW"
  UNION ALL SELECT q.id_type, q.id_value, q.reason, q.evidence
FROM "IDENTITY"."ID_QUARANTINE" q
WHERE q.reason IN ('limit_conflict', 'anonymous_isolated')
  AND NOT EXISTS (SELECT 1 FROM "IDENTITY_WORK"."REDO" r WHERE r.id_type = q.id_type AND r.id_value = q.id_value)
  UNION ALL SELECT id_type, id_value, 'hub' AS reason, degree AS evidence FROM "IDENTITY_WORK"."HUBS_NAMED"
) q;
-- no audiences: none
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY"."AUDIENCE_MEMBERS__NEXT" AS
SELECT m.audience, m.universal_id, COALESCE(prev.entered_at, CAST(SYSDATE() AS TIMESTAMP)) AS entered_at
FROM (
  SELECT CAST(NULL AS VARCHAR) AS audience, CAST(NULL AS VARCHAR) AS universal_id FROM "IDENTITY_WORK"."PROFILES_REGION" WHERE 1 = 0
) m
LEFT JOIN "IDENTITY"."AUDIENCE_MEMBERS" prev ON prev.audience = m.audience AND prev.universal_id = m.universal_id
UNION ALL
SELECT audience, universal_id, entered_at FROM "IDENTITY"."AUDIENCE_MEMBERS"
WHERE universal_id NOT IN (SELECT universal_id FROM "IDENTITY_WORK"."REDO_IDS");

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
-- the rows of events
DELETE FROM "IDENTITY_STATE"."ROWS_EVENTS" WHERE (ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) AND row_hash IN (SELECT row_hash FROM "IDENTITY_WORK"."GONE_EVENTS");
INSERT INTO "IDENTITY_STATE"."ROWS_EVENTS" SELECT * FROM "IDENTITY_WORK"."INS_EVENTS";
DELETE FROM "IDENTITY_STATE"."HUBS" WHERE 1 = 1;
INSERT INTO "IDENTITY_STATE"."HUBS" SELECT node_id, degree, id_type, id_value FROM "IDENTITY_WORK"."HUBS_NAMED";
DELETE FROM "IDENTITY_STATE"."QVALUES" WHERE 1 = 1;
INSERT INTO "IDENTITY_STATE"."QVALUES" SELECT id_type, id_value, reason, evidence FROM "IDENTITY_WORK"."QVALUES_NEW";
DELETE FROM "IDENTITY_STATE"."REGIONS" WHERE node_id IN (SELECT node_id FROM "IDENTITY_WORK"."REGIONS_WRITE");
INSERT INTO "IDENTITY_STATE"."REGIONS" SELECT * FROM (SELECT node_id, region, id_type FROM "IDENTITY_WORK"."REGIONS_NEW") q WHERE q.node_id IN (SELECT node_id FROM "IDENTITY_WORK"."REGIONS_WRITE");
DELETE FROM "IDENTITY_STATE"."META" WHERE 1 = 1;
INSERT INTO "IDENTITY_STATE"."META" (section, fingerprint) VALUES ('layout', '5'), ('audiences', '74234e98afe7498f'), ('checks', 'fc68f8420a6d72df'), ('degrees', '4bd5bf5ffc86cfb8'), ('id_salt', '48dd836a617dbe4a'), ('id_types', 'e613c4f0047a06b5'), ('limits', '{}'), ('policy', '439083f38956ba51'), ('sources', 'c194d3a0ecf2a120'), ('traits', '74234e98afe7498f');
INSERT INTO "IDENTITY"."ID_CHANGES" (run_id, changed_at, kind, old_universal_id, new_universal_id, identifiers) SELECT 0, CAST(SYSDATE() AS TIMESTAMP), kind, old_universal_id, new_universal_id, identifiers FROM "IDENTITY_WORK"."CHANGES";
COMMIT;

-- the append-only path goes on after its stage guards only when this counts 0, else the run goes on after the extract stage above (the batch flips a hub decision):
SELECT 0
  + (SELECT COUNT(*) FROM "IDENTITY_WORK"."FLIPS") AS n;
