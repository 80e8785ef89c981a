-- idstitch plan: project hubs, warehouse bigquery, components by contraction
-- The runner also records each run in the runs table; that bookkeeping is not part of this script, and run_id is 0 in what it writes.

-- ===== stage guards: values that are invalid or blocked, and hubs, are kept out of the graph
-- hubs: identifiers seen with more distinct identifiers than their type's max_degree
CREATE OR REPLACE TABLE `identity_work`.`hubs`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT node_id, degree
FROM (
  SELECT node AS node_id, max_degree, COUNT(DISTINCT other) AS degree
  FROM (
    SELECT n2 AS node, n1 AS other, 20 AS max_degree
    FROM `identity_state`.`rows_events__next` WHERE n2 IS NOT NULL AND n1 IS NOT NULL AND n2 <> n1
    UNION ALL SELECT n2 AS node, n3 AS other, 20 AS max_degree
    FROM `identity_state`.`rows_events__next` WHERE n2 IS NOT NULL AND n3 IS NOT NULL AND n2 <> n3
  ) p
  GROUP BY node, max_degree
) d
WHERE degree > max_degree;
-- source events without its hubs
CREATE OR REPLACE TABLE `identity_work`.`kept_events`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT ts,
  CASE WHEN n1 IN (SELECT node_id FROM `identity_work`.`hubs`) THEN NULL ELSE n1 END AS n1,
  CASE WHEN n2 IN (SELECT node_id FROM `identity_work`.`hubs`) THEN NULL ELSE n2 END AS n2,
  CASE WHEN n3 IN (SELECT node_id FROM `identity_work`.`hubs`) THEN NULL ELSE n3 END AS n3
FROM `identity_state`.`rows_events__next`;

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

-- ===== stage outputs: output tables, built beside the published ones
-- universal ids that are new, merged, split or quarantined since the last run
CREATE OR REPLACE TABLE `identity_work`.`changes`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT CASE
    WHEN p.new_id IS NULL THEN 'quarantine'
    WHEN p.old_id IS NULL THEN 'new'
    WHEN p.old_id IN (SELECT universal_id FROM `identity`.`id_graph__next`) THEN 'split'
    ELSE 'merge'
  END AS kind,
  p.old_id AS old_universal_id, p.new_id AS new_universal_id, p.moved AS identifiers
FROM (
  SELECT old_id, new_id, COUNT(*) AS moved
  FROM (
    SELECT o.universal_id AS old_id, n.universal_id AS new_id
    FROM `identity`.`id_graph` o
    FULL OUTER JOIN `identity`.`id_graph__next` n ON o.node_id = n.node_id
  ) m
  WHERE old_id IS NULL OR new_id IS NULL OR old_id <> new_id
  GROUP BY old_id, new_id
) p
-- identifiers seen for the first time that join a profile which already existed change no id
WHERE NOT (p.old_id IS NULL AND p.new_id IN (SELECT universal_id FROM `identity`.`id_graph`));
CREATE OR REPLACE TABLE `identity`.`profiles__next`
CLUSTER BY `universal_id` AS
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
CREATE OR REPLACE TABLE `identity`.`id_edges__next`
CLUSTER BY `universal_id` AS
SELECT ga.universal_id,
  ga.id_type AS id_type_a, ga.id_value AS id_value_a,
  gb.id_type AS id_type_b, gb.id_value AS id_value_b,
  e.row_count, e.first_seen_at, e.last_seen_at, e.sources
FROM `identity_work`.`edges` e
JOIN `identity`.`id_graph__next` ga ON e.a = ga.node_id
JOIN `identity`.`id_graph__next` gb ON e.b = gb.node_id
-- one universal id per profile: its anchor's, which no other profile has
WHERE ga.universal_id = gb.universal_id;
-- what was kept out of the graph, and why
CREATE OR REPLACE TABLE `identity`.`id_quarantine__next` AS
SELECT id_type, id_value, reason, evidence, CAST(0 AS INT64) AS run_id
FROM (
  SELECT n.id_type, n.id_value, 'hub' AS reason, CAST(q.degree AS INT64) AS evidence
FROM `identity_work`.`hubs` q JOIN `identity_work`.`nodes` n ON q.node_id = n.node_id
) q;
-- audience members; those already in keep the time they entered
CREATE OR REPLACE TABLE `identity`.`audience_members__next` AS
SELECT m.audience, m.universal_id, COALESCE(prev.entered_at, CAST(CURRENT_TIMESTAMP() AS TIMESTAMP)) AS entered_at
FROM (
  SELECT CAST(NULL AS STRING) AS audience, CAST(NULL AS STRING) AS universal_id FROM `identity`.`profiles__next` WHERE 1 = 0
) m
LEFT JOIN `identity`.`audience_members` prev ON prev.audience = m.audience AND prev.universal_id = m.universal_id;
CREATE OR REPLACE TABLE `identity_state`.`hubs__next` AS
SELECT h.node_id, h.degree, n.id_type, n.id_value FROM `identity_work`.`hubs` h JOIN `identity_work`.`nodes` n ON h.node_id = n.node_id;
CREATE OR REPLACE TABLE `identity_state`.`qvalues__next` AS
SELECT CAST(NULL AS STRING) AS id_type, CAST(NULL AS STRING) AS id_value, CAST(NULL AS STRING) AS reason, CAST(NULL AS INT64) AS evidence LIMIT 0;
-- the changes, kept for the publish
CREATE OR REPLACE TABLE `identity`.`id_changes__next` AS
SELECT * FROM `identity_work`.`changes`;

-- ===== stage publish: replace each table from its new version, then commit the history and the state together (this warehouse has no transactions over DDL; a publish that stops part-way is completed by the next run)
CREATE OR REPLACE TABLE `identity`.`id_graph` COPY `identity`.`id_graph__next`;
CREATE OR REPLACE TABLE `identity`.`profiles` COPY `identity`.`profiles__next`;
CREATE OR REPLACE TABLE `identity`.`id_edges` COPY `identity`.`id_edges__next`;
CREATE OR REPLACE TABLE `identity`.`id_quarantine` COPY `identity`.`id_quarantine__next`;
CREATE OR REPLACE TABLE `identity`.`audience_members` COPY `identity`.`audience_members__next`;
-- source events with the universal id of each row
CREATE OR REPLACE VIEW `identity`.`events_stitched` AS
SELECT s.*, COALESCE(g1.universal_id, g2.universal_id, g3.universal_id, CAST(NULL AS STRING)) AS universal_id
FROM `events` s
LEFT JOIN `identity`.`id_graph` g1 ON g1.id_type = 'user_id' AND g1.id_value = NULLIF(NULLIF(CAST(s.`user_id` AS STRING), ''), '')
LEFT JOIN `identity`.`id_graph` g2 ON g2.id_type = 'device_id' AND g2.id_value = NULLIF(NULLIF(CAST(s.`device_id` AS STRING), ''), '')
LEFT JOIN `identity`.`id_graph` g3 ON g3.id_type = 'anonymous_id' AND g3.id_value = NULLIF(NULLIF(CAST(s.`anonymous_id` AS STRING), ''), '');
DROP TABLE IF EXISTS `identity_state`.`rows_events`;
CREATE OR REPLACE TABLE `identity_state`.`rows_events` COPY `identity_state`.`rows_events__next`;
CREATE OR REPLACE TABLE `identity_state`.`hubs` COPY `identity_state`.`hubs__next`;
CREATE OR REPLACE TABLE `identity_state`.`qvalues` COPY `identity_state`.`qvalues__next`;
CREATE OR REPLACE TABLE `identity_state`.`regions` COPY `identity_state`.`regions__next`;
-- together, once every table is in place (the runner first records this publish in the state's publish_journal, and commits its clearing here)
BEGIN TRANSACTION;
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
DELETE FROM `identity_state`.`meta` WHERE 1 = 1;
INSERT INTO `identity_state`.`meta` (section, fingerprint) VALUES ('layout', '5'), ('audiences', '74234e98afe7498f'), ('checks', 'fc68f8420a6d72df'), ('degrees', '4bd5bf5ffc86cfb8'), ('id_salt', '48dd836a617dbe4a'), ('id_types', 'e613c4f0047a06b5'), ('limits', '{}'), ('policy', '439083f38956ba51'), ('sources', 'c194d3a0ecf2a120'), ('traits', '74234e98afe7498f');
INSERT INTO `identity`.`id_changes` (run_id, changed_at, kind, old_universal_id, new_universal_id, identifiers) SELECT 0, CAST(CURRENT_TIMESTAMP() AS TIMESTAMP), kind, old_universal_id, new_universal_id, identifiers FROM `identity`.`id_changes__next`;
COMMIT TRANSACTION;
