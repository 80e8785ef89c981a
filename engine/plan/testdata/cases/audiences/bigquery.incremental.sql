-- idstitch plan: project audiences, warehouse bigquery, components by contraction
-- The runner also records each run in the runs table; that bookkeeping is not part of this script, and run_id is 0 in what it writes.

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
CREATE OR REPLACE TABLE `identity_work`.`profiles_base`
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
    MAX(CASE WHEN id_type = 'user_id' THEN latest END) AS `latest_user_id`
  FROM per_type
  GROUP BY component
)
SELECT a.universal_id, p.first_seen_at, p.last_seen_at, p.identifiers, p.`user_id_count`, p.`latest_user_id`
FROM per_profile p
JOIN `identity_work`.`anchors` a ON p.component = a.component;
-- profiles with their traits and audience flags
CREATE OR REPLACE TABLE `identity_work`.`profiles_region`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT p.*,
  CASE WHEN (orders >= 5) THEN TRUE ELSE FALSE END AS `loyal_customers`
FROM (
  SELECT b.*,
    COALESCE(t1.`orders`, 0) AS `orders`
  FROM `identity_work`.`profiles_base` b
  LEFT JOIN `identity_work`.`traits_orders` t1 ON b.universal_id = t1.universal_id
) p;
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
) q;
-- audience members; those already in keep the time they entered
CREATE OR REPLACE TABLE `identity`.`audience_members__next` AS
SELECT m.audience, m.universal_id, COALESCE(prev.entered_at, CAST(CURRENT_TIMESTAMP() AS TIMESTAMP)) AS entered_at
FROM (
  SELECT 'loyal_customers' AS audience, universal_id FROM `identity_work`.`profiles_region` WHERE `loyal_customers`
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
-- the rows of orders
DELETE FROM `identity_state`.`rows_orders` WHERE (ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) AND row_hash IN (SELECT row_hash FROM `identity_work`.`gone_orders`);
INSERT INTO `identity_state`.`rows_orders` SELECT * FROM `identity_work`.`ins_orders`;
DELETE FROM `identity_state`.`qvalues` WHERE 1 = 1;
INSERT INTO `identity_state`.`qvalues` SELECT id_type, id_value, reason, evidence FROM `identity_work`.`qvalues_new`;
DELETE FROM `identity_state`.`regions` WHERE node_id IN (SELECT node_id FROM `identity_work`.`regions_write`);
INSERT INTO `identity_state`.`regions` SELECT * FROM (SELECT node_id, region, id_type FROM `identity_work`.`regions_new`) q WHERE q.node_id IN (SELECT node_id FROM `identity_work`.`regions_write`);
DELETE FROM `identity_state`.`meta` WHERE 1 = 1;
INSERT INTO `identity_state`.`meta` (section, fingerprint) VALUES ('layout', '5'), ('audiences', '97bf9afaed28b79e'), ('checks', '4ecdf6afc5bfab7f'), ('degrees', 'b68bf12405ee2cb5'), ('id_salt', '6bf2f9c1e79bae9c'), ('id_types', 'bcd127bf19a05781'), ('limits', '{}'), ('policy', '439083f38956ba51'), ('sources', '3628f43fad7fceca'), ('traits', 'abb6819a4b6ccf40');
INSERT INTO `identity`.`id_changes` (run_id, changed_at, kind, old_universal_id, new_universal_id, identifiers) SELECT 0, CAST(CURRENT_TIMESTAMP() AS TIMESTAMP), kind, old_universal_id, new_universal_id, identifiers FROM `identity_work`.`changes`;
COMMIT TRANSACTION;
