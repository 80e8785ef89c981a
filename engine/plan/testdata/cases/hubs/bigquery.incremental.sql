-- idstitch plan: project hubs, warehouse bigquery, components by contraction
-- The runner also records each run in the runs table; that bookkeeping is not part of this script, and run_id is 0 in what it writes.

-- ===== stage region: the identifiers the changed rows touch, the hub decisions they change, and the regions to recompute
-- identifiers on rows that are new, changed or gone
CREATE OR REPLACE TABLE `identity_work`.`touched`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT DISTINCT node_id, id_type, id_value
FROM (
  SELECT n1 AS node_id, 'user_id' AS id_type, v1 AS id_value
  FROM `identity_work`.`ins_events` WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 AS node_id, 'device_id' AS id_type, v2 AS id_value
  FROM `identity_work`.`ins_events` WHERE n2 IS NOT NULL
  UNION ALL SELECT n3 AS node_id, 'anonymous_id' AS id_type, v3 AS id_value
  FROM `identity_work`.`ins_events` WHERE n3 IS NOT NULL
  UNION ALL SELECT n1 AS node_id, 'user_id' AS id_type, v1 AS id_value
  FROM `identity_work`.`del_events` WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 AS node_id, 'device_id' AS id_type, v2 AS id_value
  FROM `identity_work`.`del_events` WHERE n2 IS NOT NULL
  UNION ALL SELECT n3 AS node_id, 'anonymous_id' AS id_type, v3 AS id_value
  FROM `identity_work`.`del_events` WHERE n3 IS NOT NULL
) t;
-- invalid and blocked values, counted over all rows
CREATE OR REPLACE TABLE `identity_work`.`qvalues_new`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT CAST(NULL AS STRING) AS id_type, CAST(NULL AS STRING) AS id_value, CAST(NULL AS STRING) AS reason, CAST(NULL AS INT64) AS evidence LIMIT 0;
-- the identifiers of the rows of events that hold a touched identifier
CREATE OR REPLACE TABLE `identity_work`.`near_events`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
-- The stored rows that hold one of the identifiers, less those this run replaces, and the new
-- rows that hold one: filtering by identifier first keeps the costlier test to few rows.
SELECT n1, n2, n3 FROM (
  SELECT * FROM `identity_state`.`rows_events` s WHERE s.n1 IN (SELECT node_id FROM `identity_work`.`touched`) OR s.n2 IN (SELECT node_id FROM `identity_work`.`touched`) OR s.n3 IN (SELECT node_id FROM `identity_work`.`touched`)
) s
WHERE NOT ((ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) AND s.row_hash IN (SELECT row_hash FROM `identity_work`.`gone_events`))
UNION ALL
SELECT n1, n2, n3 FROM `identity_work`.`ins_events` s WHERE s.n1 IN (SELECT node_id FROM `identity_work`.`touched`) OR s.n2 IN (SELECT node_id FROM `identity_work`.`touched`) OR s.n3 IN (SELECT node_id FROM `identity_work`.`touched`);
-- hubs: the stored ones, with the touched identifiers decided again over all their rows
CREATE OR REPLACE TABLE `identity_work`.`hubs_named`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT node_id, degree, id_type, id_value FROM `identity_state`.`hubs`
WHERE node_id NOT IN (SELECT node_id FROM `identity_work`.`touched`)
UNION ALL
SELECT h.node_id, h.degree, t.id_type, t.id_value
FROM (
SELECT node_id, degree
FROM (
  SELECT node AS node_id, max_degree, COUNT(DISTINCT other) AS degree
  FROM (
    SELECT n2 AS node, n1 AS other, 20 AS max_degree
    FROM `identity_work`.`near_events` WHERE n2 IS NOT NULL AND n1 IS NOT NULL AND n2 <> n1
    UNION ALL SELECT n2 AS node, n3 AS other, 20 AS max_degree
    FROM `identity_work`.`near_events` WHERE n2 IS NOT NULL AND n3 IS NOT NULL AND n2 <> n3
  ) p
  GROUP BY node, max_degree
) d
WHERE degree > max_degree
) h
JOIN `identity_work`.`touched` t ON h.node_id = t.node_id;
CREATE OR REPLACE TABLE `identity_work`.`hubs`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT node_id, degree FROM `identity_work`.`hubs_named`;
-- identifiers that became hubs or stopped being ones
CREATE OR REPLACE TABLE `identity_work`.`flips`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT t.node_id
FROM `identity_work`.`touched` t
WHERE (CASE WHEN t.node_id IN (SELECT node_id FROM `identity_state`.`hubs`) THEN 1 ELSE 0 END)
   <> (CASE WHEN t.node_id IN (SELECT node_id FROM `identity_work`.`hubs_named`) THEN 1 ELSE 0 END);
CREATE OR REPLACE TABLE `identity_work`.`fliprows_events`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT n1, n2, n3 FROM `identity_work`.`near_events` s WHERE s.n1 IN (SELECT node_id FROM `identity_work`.`flips`) OR s.n2 IN (SELECT node_id FROM `identity_work`.`flips`) OR s.n3 IN (SELECT node_id FROM `identity_work`.`flips`);
-- touched identifiers, the partners of those whose hub decision flipped, and the regions a changed limit can split
CREATE OR REPLACE TABLE `identity_work`.`seeds`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT DISTINCT node_id FROM (
  SELECT node_id FROM `identity_work`.`touched`
  UNION ALL SELECT n1 FROM `identity_work`.`fliprows_events` WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 FROM `identity_work`.`fliprows_events` WHERE n2 IS NOT NULL
  UNION ALL SELECT n3 FROM `identity_work`.`fliprows_events` WHERE n3 IS NOT NULL
) s;
-- every identifier of the regions the seeds are in
CREATE OR REPLACE TABLE `identity_work`.`rnodes`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT DISTINCT node_id FROM (
  SELECT node_id FROM `identity_state`.`regions`
  WHERE region IN (
    SELECT r.region FROM `identity_state`.`regions` r JOIN `identity_work`.`seeds` s ON r.node_id = s.node_id
  )
  UNION ALL
  SELECT node_id FROM `identity_work`.`seeds`
) n
-- A hub's rows span many regions: it is in none, and its rows come in only through the others.
WHERE node_id NOT IN (SELECT node_id FROM `identity_work`.`hubs`);
-- the value of every identifier on the rows of those regions
CREATE OR REPLACE TABLE `identity_work`.`names`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT DISTINCT node_id, id_value FROM (
  SELECT node_id, id_value FROM `identity`.`id_graph`
  WHERE node_id IN (SELECT node_id FROM `identity_work`.`rnodes`)
  UNION ALL
  SELECT FARM_FINGERPRINT(ARRAY_TO_STRING([CAST(id_type AS STRING), CAST(id_value AS STRING)], '\x1f')) AS node_id, id_value FROM `identity`.`id_quarantine`
  WHERE reason IN ('limit_conflict', 'anonymous_isolated')
  UNION ALL
  SELECT node_id, id_value FROM `identity_work`.`touched`
  UNION ALL
  SELECT node_id, id_value FROM `identity_work`.`hubs_named`
) n;
-- rows of events in those regions
CREATE OR REPLACE TABLE `identity_work`.`src_events`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
-- The stored rows that hold one of the identifiers, less those this run replaces, and the new
-- rows that hold one: filtering by identifier first keeps the costlier test to few rows.
SELECT ts, row_hash, n1, n2, n3 FROM (
  SELECT * FROM `identity_state`.`rows_events` s WHERE s.n1 IN (SELECT node_id FROM `identity_work`.`rnodes`) OR s.n2 IN (SELECT node_id FROM `identity_work`.`rnodes`) OR s.n3 IN (SELECT node_id FROM `identity_work`.`rnodes`)
) s
WHERE NOT ((ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) AND s.row_hash IN (SELECT row_hash FROM `identity_work`.`gone_events`))
UNION ALL
SELECT ts, row_hash, n1, n2, n3 FROM `identity_work`.`ins_events` s WHERE s.n1 IN (SELECT node_id FROM `identity_work`.`rnodes`) OR s.n2 IN (SELECT node_id FROM `identity_work`.`rnodes`) OR s.n3 IN (SELECT node_id FROM `identity_work`.`rnodes`);

-- ===== stage guards: values that are invalid or blocked, and hubs, are kept out of the graph
-- source events without its hubs
CREATE OR REPLACE TABLE `identity_work`.`kept_events`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT ts,
  CASE WHEN n1 IN (SELECT node_id FROM `identity_work`.`hubs`) THEN NULL ELSE n1 END AS n1,
  CASE WHEN n2 IN (SELECT node_id FROM `identity_work`.`hubs`) THEN NULL ELSE n2 END AS n2,
  CASE WHEN n3 IN (SELECT node_id FROM `identity_work`.`hubs`) THEN NULL ELSE n3 END AS n3
FROM `identity_work`.`src_events`;

-- ===== stage edges: identifiers on one row are linked as a star from the row's first identifier
CREATE OR REPLACE TABLE `identity_work`.`edges`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT a, b, row_count, first_seen_at, last_seen_at, SUBSTR(CONCAT('', CASE WHEN s0 = 1 THEN ',events' ELSE '' END), 2) AS sources
FROM (
  SELECT LEAST(a, b) AS a, GREATEST(a, b) AS b, CAST(COUNT(*) AS INT64) AS row_count,
    MIN(ts) AS first_seen_at, MAX(ts) AS last_seen_at, MAX(s0) AS s0
  FROM (
    SELECT COALESCE(n1, n2, n3) AS a, n2 AS b, ts, 1 AS s0
    FROM `identity_work`.`kept_events` WHERE n2 IS NOT NULL AND n2 <> COALESCE(n1, n2, n3)
    UNION ALL SELECT COALESCE(n1, n2, n3) AS a, n3 AS b, ts, 1 AS s0
    FROM `identity_work`.`kept_events` WHERE n3 IS NOT NULL AND n3 <> COALESCE(n1, n2, n3)
  ) e
  GROUP BY LEAST(a, b), GREATEST(a, b)
) g;

-- ===== stage outputs: the recomputed regions' rows of the output tables, and what changed
-- every identifier whose published rows are replaced
CREATE OR REPLACE TABLE `identity_work`.`redo`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT DISTINCT node_id, id_type, id_value FROM (SELECT node_id, id_type, id_value FROM `identity_work`.`nodes` UNION ALL SELECT node_id, id_type, id_value FROM `identity_work`.`touched`) r;
-- their published universal ids
CREATE OR REPLACE TABLE `identity_work`.`old_map`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT node_id, universal_id FROM `identity`.`id_graph` WHERE node_id IN (SELECT node_id FROM `identity_work`.`redo`);
CREATE OR REPLACE TABLE `identity_work`.`redo_ids`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT DISTINCT universal_id FROM (SELECT universal_id FROM `identity_work`.`old_map` UNION ALL SELECT universal_id FROM `identity_work`.`graph`) u;
-- of those, the identifiers whose published row changes
CREATE OR REPLACE TABLE `identity_work`.`graph_write`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT r.node_id FROM `identity_work`.`redo` r
WHERE r.node_id NOT IN (
  SELECT g.node_id
  FROM `identity_work`.`graph` g
  JOIN `identity`.`id_graph` o ON o.node_id = g.node_id
  WHERE o.universal_id = g.universal_id AND o.id_type = g.id_type AND o.id_value = g.id_value AND o.row_count = g.row_count
    AND (o.first_seen_at = g.first_seen_at OR (o.first_seen_at IS NULL AND g.first_seen_at IS NULL))
    AND (o.last_seen_at = g.last_seen_at OR (o.last_seen_at IS NULL AND g.last_seen_at IS NULL))
);
-- and those whose stored region changes
CREATE OR REPLACE TABLE `identity_work`.`regions_write`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT r.node_id FROM `identity_work`.`redo` r
WHERE r.node_id NOT IN (
  SELECT n.node_id
  FROM `identity_work`.`regions_new` n
  JOIN `identity_state`.`regions` o ON o.node_id = n.node_id
  WHERE o.region = n.region AND o.id_type = n.id_type
);
-- universal ids that are new, merged, split or quarantined since the last run
CREATE OR REPLACE TABLE `identity_work`.`changes`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT CASE
    WHEN p.new_id IS NULL THEN 'quarantine'
    WHEN p.old_id IS NULL THEN 'new'
    WHEN p.old_id IN (SELECT universal_id FROM `identity_work`.`graph`) THEN 'split'
    ELSE 'merge'
  END AS kind,
  p.old_id AS old_universal_id, p.new_id AS new_universal_id, p.moved AS identifiers
FROM (
  SELECT old_id, new_id, COUNT(*) AS moved
  FROM (
    SELECT o.universal_id AS old_id, n.universal_id AS new_id
    FROM `identity_work`.`old_map` o
    FULL OUTER JOIN `identity_work`.`graph` n ON o.node_id = n.node_id
  ) m
  WHERE old_id IS NULL OR new_id IS NULL OR old_id <> new_id
  GROUP BY old_id, new_id
) p
-- identifiers seen for the first time that join a profile which already existed change no id
WHERE NOT (p.old_id IS NULL AND p.new_id IN (SELECT universal_id FROM `identity_work`.`old_map`));
CREATE OR REPLACE TABLE `identity_work`.`profiles_region`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
WITH ranked AS (
  SELECT component, id_type, id_value, first_seen_at, last_seen_at,
    ROW_NUMBER() OVER (PARTITION BY component, id_type ORDER BY last_seen_at DESC NULLS LAST, id_value DESC) AS pos
  FROM `identity_work`.`assign`
), per_type AS (
  SELECT component, id_type, COUNT(*) AS n, MAX(CASE WHEN pos = 1 THEN id_value END) AS latest,
    MIN(first_seen_at) AS first_seen_at, MAX(last_seen_at) AS last_seen_at
  FROM ranked
  GROUP BY component, id_type
), per_profile AS (
  SELECT component,
    MIN(first_seen_at) AS first_seen_at,
    MAX(last_seen_at) AS last_seen_at,
    CAST(SUM(n) AS INT64) AS identifiers,
    CAST(COALESCE(SUM(CASE WHEN id_type = 'user_id' THEN n END), 0) AS INT64) AS `user_id_count`,
    MAX(CASE WHEN id_type = 'user_id' THEN latest END) AS `latest_user_id`,
    CAST(COALESCE(SUM(CASE WHEN id_type = 'device_id' THEN n END), 0) AS INT64) AS `device_id_count`,
    MAX(CASE WHEN id_type = 'device_id' THEN latest END) AS `latest_device_id`,
    CAST(COALESCE(SUM(CASE WHEN id_type = 'anonymous_id' THEN n END), 0) AS INT64) AS `anonymous_id_count`,
    MAX(CASE WHEN id_type = 'anonymous_id' THEN latest END) AS `latest_anonymous_id`
  FROM per_type
  GROUP BY component
)
SELECT a.universal_id, p.first_seen_at, p.last_seen_at, p.identifiers, p.`user_id_count`, p.`latest_user_id`, p.`device_id_count`, p.`latest_device_id`, p.`anonymous_id_count`, p.`latest_anonymous_id`
FROM per_profile p
JOIN `identity_work`.`anchors` a ON p.component = a.component;
CREATE OR REPLACE TABLE `identity_work`.`edges_region`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT ga.universal_id,
  ga.id_type AS id_type_a, ga.id_value AS id_value_a,
  gb.id_type AS id_type_b, gb.id_value AS id_value_b,
  e.row_count, e.first_seen_at, e.last_seen_at, e.sources
FROM `identity_work`.`edges` e
JOIN `identity_work`.`graph` ga ON e.a = ga.node_id
JOIN `identity_work`.`graph` gb ON e.b = gb.node_id
-- one universal id per profile: its anchor's, which no other profile has
WHERE ga.universal_id = gb.universal_id;
-- what was kept out of the graph, and why
CREATE OR REPLACE TABLE `identity`.`id_quarantine__next` AS
SELECT id_type, id_value, reason, evidence, CAST(0 AS INT64) AS run_id
FROM (
  SELECT id_type, id_value, reason, evidence FROM `identity_work`.`qvalues_new`
  UNION ALL SELECT q.id_type, q.id_value, q.reason, q.evidence
FROM `identity`.`id_quarantine` q
WHERE q.reason IN ('limit_conflict', 'anonymous_isolated')
  AND NOT EXISTS (SELECT 1 FROM `identity_work`.`redo` r WHERE r.id_type = q.id_type AND r.id_value = q.id_value)
  UNION ALL SELECT id_type, id_value, 'hub' AS reason, degree AS evidence FROM `identity_work`.`hubs_named`
) q;
-- audience members; those already in keep the time they entered
CREATE OR REPLACE TABLE `identity`.`audience_members__next` AS
SELECT m.audience, m.universal_id, COALESCE(prev.entered_at, CAST(CURRENT_TIMESTAMP() AS TIMESTAMP)) AS entered_at
FROM (
  SELECT CAST(NULL AS STRING) AS audience, CAST(NULL AS STRING) AS universal_id FROM `identity_work`.`profiles_region` WHERE 1 = 0
) m
LEFT JOIN `identity`.`audience_members` prev ON prev.audience = m.audience AND prev.universal_id = m.universal_id
UNION ALL
SELECT audience, universal_id, entered_at FROM `identity`.`audience_members`
WHERE universal_id NOT IN (SELECT universal_id FROM `identity_work`.`redo_ids`);
-- the published links of those profiles that change or go, and the links that are new or changed
CREATE OR REPLACE TABLE `identity_work`.`edges_diff`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT o.universal_id AS s_universal_id, o.id_type_a AS s_id_type_a, o.id_value_a AS s_id_value_a,
  o.id_type_b AS s_id_type_b, o.id_value_b AS s_id_value_b,
  n.*
FROM (SELECT * FROM `identity`.`id_edges` WHERE universal_id IN (SELECT universal_id FROM `identity_work`.`redo_ids`)) o
FULL OUTER JOIN `identity_work`.`edges_region` n
  ON n.universal_id = o.universal_id AND n.id_type_a = o.id_type_a AND n.id_value_a = o.id_value_a
  AND n.id_type_b = o.id_type_b AND n.id_value_b = o.id_value_b
WHERE o.universal_id IS NULL OR n.universal_id IS NULL OR NOT COALESCE(n.row_count = o.row_count AND n.sources = o.sources
  AND (COALESCE(n.first_seen_at = o.first_seen_at, FALSE) OR (n.first_seen_at IS NULL AND o.first_seen_at IS NULL))
  AND (COALESCE(n.last_seen_at = o.last_seen_at, FALSE) OR (n.last_seen_at IS NULL AND o.last_seen_at IS NULL)), FALSE);

-- ===== stage publish: replace the recomputed regions' rows and update the state, all together
BEGIN TRANSACTION;
DELETE FROM `identity`.`id_graph` WHERE node_id IN (SELECT node_id FROM `identity_work`.`graph_write`);
INSERT INTO `identity`.`id_graph` SELECT * FROM (SELECT universal_id, id_type, id_value, first_seen_at, last_seen_at, row_count, node_id
FROM `identity_work`.`graph`) q WHERE q.node_id IN (SELECT node_id FROM `identity_work`.`graph_write`);
DELETE FROM `identity`.`profiles` WHERE universal_id IN (SELECT universal_id FROM `identity_work`.`redo_ids`);
INSERT INTO `identity`.`profiles` SELECT * FROM `identity_work`.`profiles_region`;
DELETE FROM `identity`.`id_edges`
WHERE EXISTS (
  SELECT 1 FROM (
    SELECT s_universal_id, s_id_type_a, s_id_value_a, s_id_type_b, s_id_value_b
    FROM `identity_work`.`edges_diff` WHERE s_universal_id IS NOT NULL
  ) s
  WHERE universal_id = s.s_universal_id AND id_type_a = s.s_id_type_a AND id_value_a = s.s_id_value_a
    AND id_type_b = s.s_id_type_b AND id_value_b = s.s_id_value_b
);
INSERT INTO `identity`.`id_edges`
SELECT universal_id, id_type_a, id_value_a, id_type_b, id_value_b, row_count, first_seen_at, last_seen_at, sources
FROM `identity_work`.`edges_diff`
WHERE universal_id IS NOT NULL;
UPDATE `identity`.`audience_history` AS h
SET exited_at = CAST(CURRENT_TIMESTAMP() AS TIMESTAMP)
WHERE h.exited_at IS NULL
  AND NOT EXISTS (
    SELECT 1 FROM `identity`.`audience_members__next` n
    WHERE n.audience = h.audience AND n.universal_id = h.universal_id
  );
INSERT INTO `identity`.`audience_history` (audience, universal_id, entered_at, exited_at, run_id)
SELECT n.audience, n.universal_id, n.entered_at, CAST(NULL AS TIMESTAMP), CAST(0 AS INT64)
FROM `identity`.`audience_members__next` n
WHERE NOT EXISTS (
  SELECT 1 FROM `identity`.`audience_history` h
  WHERE h.exited_at IS NULL AND h.audience = n.audience AND h.universal_id = n.universal_id
);
DELETE FROM `identity`.`id_quarantine` WHERE 1 = 1;
INSERT INTO `identity`.`id_quarantine` SELECT * FROM `identity`.`id_quarantine__next`;
DELETE FROM `identity`.`audience_members` WHERE 1 = 1;
INSERT INTO `identity`.`audience_members` SELECT * FROM `identity`.`audience_members__next`;
-- the rows of events
DELETE FROM `identity_state`.`rows_events` WHERE (ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) AND row_hash IN (SELECT row_hash FROM `identity_work`.`gone_events`);
INSERT INTO `identity_state`.`rows_events` SELECT * FROM `identity_work`.`ins_events`;
DELETE FROM `identity_state`.`hubs` WHERE 1 = 1;
INSERT INTO `identity_state`.`hubs` SELECT node_id, degree, id_type, id_value FROM `identity_work`.`hubs_named`;
DELETE FROM `identity_state`.`qvalues` WHERE 1 = 1;
INSERT INTO `identity_state`.`qvalues` SELECT id_type, id_value, reason, evidence FROM `identity_work`.`qvalues_new`;
DELETE FROM `identity_state`.`regions` WHERE node_id IN (SELECT node_id FROM `identity_work`.`regions_write`);
INSERT INTO `identity_state`.`regions` SELECT * FROM (SELECT node_id, region, id_type FROM `identity_work`.`regions_new`) q WHERE q.node_id IN (SELECT node_id FROM `identity_work`.`regions_write`);
DELETE FROM `identity_state`.`meta` WHERE 1 = 1;
INSERT INTO `identity_state`.`meta` (section, fingerprint) VALUES ('layout', '5'), ('audiences', '74234e98afe7498f'), ('checks', 'fc68f8420a6d72df'), ('degrees', '4bd5bf5ffc86cfb8'), ('id_salt', '48dd836a617dbe4a'), ('id_types', 'e613c4f0047a06b5'), ('limits', '{}'), ('policy', '439083f38956ba51'), ('sources', 'c194d3a0ecf2a120'), ('traits', '74234e98afe7498f');
INSERT INTO `identity`.`id_changes` (run_id, changed_at, kind, old_universal_id, new_universal_id, identifiers) SELECT 0, CAST(CURRENT_TIMESTAMP() AS TIMESTAMP), kind, old_universal_id, new_universal_id, identifiers FROM `identity_work`.`changes`;
COMMIT TRANSACTION;

-- append-only path, taken when this counts 0 after the extract stage:
SELECT 0 + (SELECT COUNT(*) FROM `identity_work`.`gone_events`) AS n;

-- idstitch plan: project hubs, warehouse bigquery, components by contraction
-- The runner also records each run in the runs table; that bookkeeping is not part of this script, and run_id is 0 in what it writes.

-- ===== stage guards: values that are invalid or blocked, and hubs, are kept out of the graph
-- identifiers on the batch's rows
CREATE OR REPLACE TABLE `identity_work`.`touched`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT DISTINCT node_id, id_type, id_value
FROM (
  SELECT n1 AS node_id, 'user_id' AS id_type, v1 AS id_value
  FROM `identity_work`.`ins_events` WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 AS node_id, 'device_id' AS id_type, v2 AS id_value
  FROM `identity_work`.`ins_events` WHERE n2 IS NOT NULL
  UNION ALL SELECT n3 AS node_id, 'anonymous_id' AS id_type, v3 AS id_value
  FROM `identity_work`.`ins_events` WHERE n3 IS NOT NULL
  UNION ALL SELECT n1 AS node_id, 'user_id' AS id_type, v1 AS id_value
  FROM `identity_work`.`del_events` WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 AS node_id, 'device_id' AS id_type, v2 AS id_value
  FROM `identity_work`.`del_events` WHERE n2 IS NOT NULL
  UNION ALL SELECT n3 AS node_id, 'anonymous_id' AS id_type, v3 AS id_value
  FROM `identity_work`.`del_events` WHERE n3 IS NOT NULL
) t;
-- invalid and blocked values, counted over all rows
CREATE OR REPLACE TABLE `identity_work`.`qvalues_new`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT CAST(NULL AS STRING) AS id_type, CAST(NULL AS STRING) AS id_value, CAST(NULL AS STRING) AS reason, CAST(NULL AS INT64) AS evidence LIMIT 0;
-- the identifiers of the rows of events that hold a touched identifier
CREATE OR REPLACE TABLE `identity_work`.`near_events`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
-- The stored rows that hold one of the identifiers, less those this run replaces, and the new
-- rows that hold one: filtering by identifier first keeps the costlier test to few rows.
SELECT n1, n2, n3 FROM (
  SELECT * FROM `identity_state`.`rows_events` s WHERE s.n1 IN (SELECT node_id FROM `identity_work`.`touched`) OR s.n2 IN (SELECT node_id FROM `identity_work`.`touched`) OR s.n3 IN (SELECT node_id FROM `identity_work`.`touched`)
) s
WHERE NOT ((ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) AND s.row_hash IN (SELECT row_hash FROM `identity_work`.`gone_events`))
UNION ALL
SELECT n1, n2, n3 FROM `identity_work`.`ins_events` s WHERE s.n1 IN (SELECT node_id FROM `identity_work`.`touched`) OR s.n2 IN (SELECT node_id FROM `identity_work`.`touched`) OR s.n3 IN (SELECT node_id FROM `identity_work`.`touched`);
-- hubs: the stored ones, with the touched identifiers decided again over all their rows
CREATE OR REPLACE TABLE `identity_work`.`hubs_named`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT node_id, degree, id_type, id_value FROM `identity_state`.`hubs`
WHERE node_id NOT IN (SELECT node_id FROM `identity_work`.`touched`)
UNION ALL
SELECT h.node_id, h.degree, t.id_type, t.id_value
FROM (
SELECT node_id, degree
FROM (
  SELECT node AS node_id, max_degree, COUNT(DISTINCT other) AS degree
  FROM (
    SELECT n2 AS node, n1 AS other, 20 AS max_degree
    FROM `identity_work`.`near_events` WHERE n2 IS NOT NULL AND n1 IS NOT NULL AND n2 <> n1
    UNION ALL SELECT n2 AS node, n3 AS other, 20 AS max_degree
    FROM `identity_work`.`near_events` WHERE n2 IS NOT NULL AND n3 IS NOT NULL AND n2 <> n3
  ) p
  GROUP BY node, max_degree
) d
WHERE degree > max_degree
) h
JOIN `identity_work`.`touched` t ON h.node_id = t.node_id;
CREATE OR REPLACE TABLE `identity_work`.`hubs`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT node_id, degree FROM `identity_work`.`hubs_named`;
-- identifiers that became hubs or stopped being ones
CREATE OR REPLACE TABLE `identity_work`.`flips`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT t.node_id
FROM `identity_work`.`touched` t
WHERE (CASE WHEN t.node_id IN (SELECT node_id FROM `identity_state`.`hubs`) THEN 1 ELSE 0 END)
   <> (CASE WHEN t.node_id IN (SELECT node_id FROM `identity_work`.`hubs_named`) THEN 1 ELSE 0 END);
CREATE OR REPLACE TABLE `identity_work`.`fliprows_events`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT n1, n2, n3 FROM `identity_work`.`near_events` s WHERE s.n1 IN (SELECT node_id FROM `identity_work`.`flips`) OR s.n2 IN (SELECT node_id FROM `identity_work`.`flips`) OR s.n3 IN (SELECT node_id FROM `identity_work`.`flips`);
-- the batch's rows of events without their hubs
CREATE OR REPLACE TABLE `identity_work`.`kept_events`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT ts,
  CASE WHEN n1 IN (SELECT node_id FROM `identity_work`.`hubs`) THEN NULL ELSE n1 END AS n1,
  CASE WHEN n2 IN (SELECT node_id FROM `identity_work`.`hubs`) THEN NULL ELSE n2 END AS n2,
  CASE WHEN n3 IN (SELECT node_id FROM `identity_work`.`hubs`) THEN NULL ELSE n3 END AS n3
FROM `identity_work`.`ins_events`;

-- ===== stage edges: the batch's links
CREATE OR REPLACE TABLE `identity_work`.`edges`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT a, b, row_count, first_seen_at, last_seen_at, SUBSTR(CONCAT('', CASE WHEN s0 = 1 THEN ',events' ELSE '' END), 2) AS sources
FROM (
  SELECT LEAST(a, b) AS a, GREATEST(a, b) AS b, CAST(COUNT(*) AS INT64) AS row_count,
    MIN(ts) AS first_seen_at, MAX(ts) AS last_seen_at, MAX(s0) AS s0
  FROM (
    SELECT COALESCE(n1, n2, n3) AS a, n2 AS b, ts, 1 AS s0
    FROM `identity_work`.`kept_events` WHERE n2 IS NOT NULL AND n2 <> COALESCE(n1, n2, n3)
    UNION ALL SELECT COALESCE(n1, n2, n3) AS a, n3 AS b, ts, 1 AS s0
    FROM `identity_work`.`kept_events` WHERE n3 IS NOT NULL AND n3 <> COALESCE(n1, n2, n3)
  ) e
  GROUP BY LEAST(a, b), GREATEST(a, b)
) g;

-- ===== stage outputs: the rows of the output tables the batch changes, and what changed
-- the batch's identifiers, and those of the profiles whose id changes
CREATE OR REPLACE TABLE `identity_work`.`graph`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT a.universal_id, n.id_type, n.id_value,
  CASE WHEN o.first_seen_at IS NULL OR o.first_seen_at > n.first_seen_at THEN n.first_seen_at ELSE o.first_seen_at END AS first_seen_at,
  CASE WHEN o.last_seen_at IS NULL OR o.last_seen_at < n.last_seen_at THEN n.last_seen_at ELSE o.last_seen_at END AS last_seen_at,
  CAST(COALESCE(o.row_count, 0) + n.row_count AS INT64) AS row_count, n.node_id, o.universal_id AS old_universal_id
FROM `identity_work`.`nodes` n
JOIN `identity_work`.`app_groups` g ON g.node_id = n.node_id
JOIN `identity_work`.`anchors` a ON a.component = g.grp
LEFT JOIN `identity_work`.`app_old` o ON o.node_id = n.node_id
UNION ALL
SELECT m.new_id AS universal_id, x.id_type, x.id_value, x.first_seen_at, x.last_seen_at, x.row_count, x.node_id, m.old_id AS old_universal_id
FROM `identity`.`id_graph` x
JOIN `identity_work`.`app_moves` m ON x.universal_id = m.old_id
WHERE m.old_id <> m.new_id AND x.node_id NOT IN (SELECT node_id FROM `identity_work`.`nodes`);
CREATE OR REPLACE TABLE `identity_work`.`redo`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT node_id, id_type, id_value FROM `identity_work`.`graph`;
-- their published universal ids
CREATE OR REPLACE TABLE `identity_work`.`old_map`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT node_id, old_universal_id AS universal_id FROM `identity_work`.`graph` WHERE old_universal_id IS NOT NULL;
-- every row of graph replaces its published one
CREATE OR REPLACE TABLE `identity_work`.`graph_write`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT node_id, id_type FROM `identity_work`.`graph`;
-- each group's region label: its smallest node id
CREATE OR REPLACE TABLE `identity_work`.`app_labels`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT grp, MIN(region) AS region
FROM (
  SELECT grp, region FROM `identity_work`.`app_region_old`
  UNION ALL
  SELECT grp, node_id AS region FROM `identity_work`.`app_groups` WHERE node_id NOT IN (SELECT node_id FROM `identity_work`.`app_old`)
) r
GROUP BY grp;
-- the regions rows that change
CREATE OR REPLACE TABLE `identity_work`.`regions_new`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT g.node_id, l.region, n.id_type
FROM `identity_work`.`app_groups` g
JOIN `identity_work`.`app_labels` l ON l.grp = g.grp
JOIN `identity_work`.`nodes` n ON n.node_id = g.node_id
UNION ALL
SELECT r.node_id, l.region, r.id_type
FROM `identity_state`.`regions` r
JOIN `identity_work`.`app_region_old` o ON r.region = o.region
JOIN `identity_work`.`app_labels` l ON l.grp = o.grp
WHERE o.region <> l.region AND r.node_id NOT IN (SELECT node_id FROM `identity_work`.`nodes`);
CREATE OR REPLACE TABLE `identity_work`.`regions_write`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT node_id, id_type FROM `identity_work`.`regions_new`;
-- the universal ids whose profiles rows are replaced
CREATE OR REPLACE TABLE `identity_work`.`redo_ids`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT DISTINCT universal_id FROM (
  SELECT old_id AS universal_id FROM `identity_work`.`app_moves`
  UNION ALL
  SELECT universal_id FROM `identity_work`.`anchors`
) u;
-- one profiles row per group
CREATE OR REPLACE TABLE `identity_work`.`profiles_region`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
WITH parts AS (
  SELECT m.grp, p.first_seen_at, p.last_seen_at, p.identifiers, p.`user_id_count`, p.`device_id_count`, p.`anonymous_id_count`
  FROM `identity`.`profiles` p
  JOIN `identity_work`.`app_moves` m ON p.universal_id = m.old_id
  UNION ALL
  SELECT g.grp, n.first_seen_at, n.last_seen_at, CASE WHEN o.node_id IS NULL THEN 1 ELSE 0 END, CASE WHEN o.node_id IS NULL AND n.id_type = 'user_id' THEN 1 ELSE 0 END, CASE WHEN o.node_id IS NULL AND n.id_type = 'device_id' THEN 1 ELSE 0 END, CASE WHEN o.node_id IS NULL AND n.id_type = 'anonymous_id' THEN 1 ELSE 0 END
  FROM `identity_work`.`nodes` n
  JOIN `identity_work`.`app_groups` g ON g.node_id = n.node_id
  LEFT JOIN `identity_work`.`app_old` o ON o.node_id = n.node_id
), latest AS (
  SELECT grp, id_type, id_value,
    ROW_NUMBER() OVER (PARTITION BY grp, id_type ORDER BY last_seen_at DESC NULLS LAST, id_value DESC) AS pos
  FROM (
    SELECT g.grp, n.id_type, n.id_value,
      CASE WHEN o.last_seen_at IS NULL OR o.last_seen_at < n.last_seen_at THEN n.last_seen_at ELSE o.last_seen_at END AS last_seen_at
    FROM `identity_work`.`nodes` n
    JOIN `identity_work`.`app_groups` g ON g.node_id = n.node_id
    LEFT JOIN `identity_work`.`app_old` o ON o.node_id = n.node_id
    UNION ALL
    SELECT l.grp, x.id_type, x.id_value, x.last_seen_at
    FROM `identity`.`id_graph` x
    JOIN (
      SELECT m.old_id, m.grp, 'user_id' AS id_type, p.`latest_user_id` AS id_value
      FROM `identity`.`profiles` p JOIN `identity_work`.`app_moves` m ON p.universal_id = m.old_id
      UNION ALL SELECT m.old_id, m.grp, 'device_id' AS id_type, p.`latest_device_id` AS id_value
      FROM `identity`.`profiles` p JOIN `identity_work`.`app_moves` m ON p.universal_id = m.old_id
      UNION ALL SELECT m.old_id, m.grp, 'anonymous_id' AS id_type, p.`latest_anonymous_id` AS id_value
      FROM `identity`.`profiles` p JOIN `identity_work`.`app_moves` m ON p.universal_id = m.old_id
    ) l ON x.universal_id = l.old_id AND x.id_type = l.id_type AND x.id_value = l.id_value
  ) c
)
SELECT a.universal_id, s.first_seen_at, s.last_seen_at, s.identifiers, s.`user_id_count`, l.`latest_user_id`, s.`device_id_count`, l.`latest_device_id`, s.`anonymous_id_count`, l.`latest_anonymous_id`
FROM (
  SELECT grp, MIN(first_seen_at) AS first_seen_at, MAX(last_seen_at) AS last_seen_at, CAST(SUM(identifiers) AS INT64) AS identifiers, CAST(SUM(`user_id_count`) AS INT64) AS `user_id_count`, CAST(SUM(`device_id_count`) AS INT64) AS `device_id_count`, CAST(SUM(`anonymous_id_count`) AS INT64) AS `anonymous_id_count`
  FROM parts
  GROUP BY grp
) s
JOIN `identity_work`.`anchors` a ON a.component = s.grp
LEFT JOIN (
  SELECT grp, MAX(CASE WHEN id_type = 'user_id' THEN id_value END) AS `latest_user_id`, MAX(CASE WHEN id_type = 'device_id' THEN id_value END) AS `latest_device_id`, MAX(CASE WHEN id_type = 'anonymous_id' THEN id_value END) AS `latest_anonymous_id`
  FROM latest
  WHERE pos = 1
  GROUP BY grp
) l ON l.grp = s.grp;
-- universal ids that are new or merged since the last run
CREATE OR REPLACE TABLE `identity_work`.`changes`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT CASE
    WHEN p.new_id IS NULL THEN 'quarantine'
    WHEN p.old_id IS NULL THEN 'new'
    WHEN p.old_id IN (SELECT universal_id FROM `identity_work`.`graph`) THEN 'split'
    ELSE 'merge'
  END AS kind,
  p.old_id AS old_universal_id, p.new_id AS new_universal_id, p.moved AS identifiers
FROM (
  SELECT old_id, new_id, COUNT(*) AS moved
  FROM (
    SELECT o.universal_id AS old_id, n.universal_id AS new_id
    FROM `identity_work`.`old_map` o
    FULL OUTER JOIN `identity_work`.`graph` n ON o.node_id = n.node_id
  ) m
  WHERE old_id IS NULL OR new_id IS NULL OR old_id <> new_id
  GROUP BY old_id, new_id
) p
-- identifiers seen for the first time that join a profile which already existed change no id
WHERE NOT (p.old_id IS NULL AND p.new_id IN (SELECT universal_id FROM `identity_work`.`old_map`));
-- the links the batch adds, and the published ones it adds to or relabels
CREATE OR REPLACE TABLE `identity_work`.`edges_diff`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
WITH moved AS (
  SELECT old_id, new_id FROM `identity_work`.`app_moves` WHERE old_id <> new_id
), b AS (
  SELECT a.universal_id, na.id_type AS id_type_a, na.id_value AS id_value_a, nb.id_type AS id_type_b, nb.id_value AS id_value_b,
    e.row_count, e.first_seen_at, e.last_seen_at, e.sources, oa.universal_id AS old_a, ob.universal_id AS old_b
  FROM `identity_work`.`edges` e
  JOIN `identity_work`.`nodes` na ON na.node_id = e.a
  JOIN `identity_work`.`nodes` nb ON nb.node_id = e.b
  JOIN `identity_work`.`app_groups` g ON g.node_id = e.a
  JOIN `identity_work`.`anchors` a ON a.component = g.grp
  LEFT JOIN `identity_work`.`app_old` oa ON oa.node_id = e.a
  LEFT JOIN `identity_work`.`app_old` ob ON ob.node_id = e.b
), kept AS (
  SELECT old_a, id_type_a, id_value_a, id_type_b, id_value_b FROM b
  WHERE old_a = old_b AND old_a NOT IN (SELECT old_id FROM moved)
), o AS (
  -- one pass over the published links
  SELECT p.universal_id, p.id_type_a, p.id_value_a, p.id_type_b, p.id_value_b, p.row_count, p.first_seen_at, p.last_seen_at, p.sources,
    COALESCE(m.new_id, p.universal_id) AS new_id
  FROM `identity`.`id_edges` p
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
  CAST(COALESCE(o.row_count, 0) + COALESCE(b.row_count, 0) AS INT64) AS row_count,
  CASE WHEN o.first_seen_at IS NULL OR o.first_seen_at > b.first_seen_at THEN b.first_seen_at ELSE o.first_seen_at END AS first_seen_at,
  CASE WHEN o.last_seen_at IS NULL OR o.last_seen_at < b.last_seen_at THEN b.last_seen_at ELSE o.last_seen_at END AS last_seen_at,
  SUBSTR(CONCAT('', CASE WHEN REGEXP_CONTAINS(o.sources, '(^|,)events(,|$)') OR REGEXP_CONTAINS(b.sources, '(^|,)events(,|$)') THEN ',events' ELSE '' END), 2) AS sources
FROM o
FULL OUTER JOIN b ON o.id_type_a = b.id_type_a AND o.id_value_a = b.id_value_a AND o.id_type_b = b.id_type_b AND o.id_value_b = b.id_value_b;
-- what was kept out of the graph, and why
CREATE OR REPLACE TABLE `identity`.`id_quarantine__next` AS
SELECT id_type, id_value, reason, evidence, CAST(0 AS INT64) AS run_id
FROM (
  SELECT id_type, id_value, reason, evidence FROM `identity_work`.`qvalues_new`
  UNION ALL SELECT q.id_type, q.id_value, q.reason, q.evidence
FROM `identity`.`id_quarantine` q
WHERE q.reason IN ('limit_conflict', 'anonymous_isolated')
  AND NOT EXISTS (SELECT 1 FROM `identity_work`.`redo` r WHERE r.id_type = q.id_type AND r.id_value = q.id_value)
  UNION ALL SELECT id_type, id_value, 'hub' AS reason, degree AS evidence FROM `identity_work`.`hubs_named`
) q;
-- no audiences: none
CREATE OR REPLACE TABLE `identity`.`audience_members__next` AS
SELECT m.audience, m.universal_id, COALESCE(prev.entered_at, CAST(CURRENT_TIMESTAMP() AS TIMESTAMP)) AS entered_at
FROM (
  SELECT CAST(NULL AS STRING) AS audience, CAST(NULL AS STRING) AS universal_id FROM `identity_work`.`profiles_region` WHERE 1 = 0
) m
LEFT JOIN `identity`.`audience_members` prev ON prev.audience = m.audience AND prev.universal_id = m.universal_id
UNION ALL
SELECT audience, universal_id, entered_at FROM `identity`.`audience_members`
WHERE universal_id NOT IN (SELECT universal_id FROM `identity_work`.`redo_ids`);

-- ===== stage publish: replace the recomputed regions' rows and update the state, all together
BEGIN TRANSACTION;
DELETE FROM `identity`.`id_graph` WHERE node_id IN (SELECT node_id FROM `identity_work`.`graph_write`);
INSERT INTO `identity`.`id_graph` SELECT * FROM (SELECT universal_id, id_type, id_value, first_seen_at, last_seen_at, row_count, node_id
FROM `identity_work`.`graph`) q WHERE q.node_id IN (SELECT node_id FROM `identity_work`.`graph_write`);
DELETE FROM `identity`.`profiles` WHERE universal_id IN (SELECT universal_id FROM `identity_work`.`redo_ids`);
INSERT INTO `identity`.`profiles` SELECT * FROM `identity_work`.`profiles_region`;
DELETE FROM `identity`.`id_edges`
WHERE EXISTS (
  SELECT 1 FROM (
    SELECT s_universal_id, s_id_type_a, s_id_value_a, s_id_type_b, s_id_value_b
    FROM `identity_work`.`edges_diff` WHERE s_universal_id IS NOT NULL
  ) s
  WHERE universal_id = s.s_universal_id AND id_type_a = s.s_id_type_a AND id_value_a = s.s_id_value_a
    AND id_type_b = s.s_id_type_b AND id_value_b = s.s_id_value_b
);
INSERT INTO `identity`.`id_edges`
SELECT universal_id, id_type_a, id_value_a, id_type_b, id_value_b, row_count, first_seen_at, last_seen_at, sources
FROM `identity_work`.`edges_diff`
WHERE universal_id IS NOT NULL;
UPDATE `identity`.`audience_history` AS h
SET exited_at = CAST(CURRENT_TIMESTAMP() AS TIMESTAMP)
WHERE h.exited_at IS NULL
  AND NOT EXISTS (
    SELECT 1 FROM `identity`.`audience_members__next` n
    WHERE n.audience = h.audience AND n.universal_id = h.universal_id
  );
INSERT INTO `identity`.`audience_history` (audience, universal_id, entered_at, exited_at, run_id)
SELECT n.audience, n.universal_id, n.entered_at, CAST(NULL AS TIMESTAMP), CAST(0 AS INT64)
FROM `identity`.`audience_members__next` n
WHERE NOT EXISTS (
  SELECT 1 FROM `identity`.`audience_history` h
  WHERE h.exited_at IS NULL AND h.audience = n.audience AND h.universal_id = n.universal_id
);
DELETE FROM `identity`.`id_quarantine` WHERE 1 = 1;
INSERT INTO `identity`.`id_quarantine` SELECT * FROM `identity`.`id_quarantine__next`;
DELETE FROM `identity`.`audience_members` WHERE 1 = 1;
INSERT INTO `identity`.`audience_members` SELECT * FROM `identity`.`audience_members__next`;
-- the rows of events
DELETE FROM `identity_state`.`rows_events` WHERE (ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) AND row_hash IN (SELECT row_hash FROM `identity_work`.`gone_events`);
INSERT INTO `identity_state`.`rows_events` SELECT * FROM `identity_work`.`ins_events`;
DELETE FROM `identity_state`.`hubs` WHERE 1 = 1;
INSERT INTO `identity_state`.`hubs` SELECT node_id, degree, id_type, id_value FROM `identity_work`.`hubs_named`;
DELETE FROM `identity_state`.`qvalues` WHERE 1 = 1;
INSERT INTO `identity_state`.`qvalues` SELECT id_type, id_value, reason, evidence FROM `identity_work`.`qvalues_new`;
DELETE FROM `identity_state`.`regions` WHERE node_id IN (SELECT node_id FROM `identity_work`.`regions_write`);
INSERT INTO `identity_state`.`regions` SELECT * FROM (SELECT node_id, region, id_type FROM `identity_work`.`regions_new`) q WHERE q.node_id IN (SELECT node_id FROM `identity_work`.`regions_write`);
DELETE FROM `identity_state`.`meta` WHERE 1 = 1;
INSERT INTO `identity_state`.`meta` (section, fingerprint) VALUES ('layout', '5'), ('audiences', '74234e98afe7498f'), ('checks', 'fc68f8420a6d72df'), ('degrees', '4bd5bf5ffc86cfb8'), ('id_salt', '48dd836a617dbe4a'), ('id_types', 'e613c4f0047a06b5'), ('limits', '{}'), ('policy', '439083f38956ba51'), ('sources', 'c194d3a0ecf2a120'), ('traits', '74234e98afe7498f');
INSERT INTO `identity`.`id_changes` (run_id, changed_at, kind, old_universal_id, new_universal_id, identifiers) SELECT 0, CAST(CURRENT_TIMESTAMP() AS TIMESTAMP), kind, old_universal_id, new_universal_id, identifiers FROM `identity_work`.`changes`;
COMMIT TRANSACTION;

-- the append-only path goes on after its stage guards only when this counts 0, else the run goes on after the extract stage above (the batch flips a hub decision):
SELECT 0
  + (SELECT COUNT(*) FROM `identity_work`.`flips`) AS n;
