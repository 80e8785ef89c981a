-- idstitch plan: project expressions, warehouse bigquery, components by contraction
-- The runner also records each run in the runs table; that bookkeeping is not part of this script, and run_id is 0 in what it writes.

-- ===== stage extract: per source: each row's identifiers, normalized and checked, with their node ids
-- source web (raw.web_events), kept as the rows read so far
CREATE OR REPLACE TABLE `customer_360_state`.`rows_web__next`
PARTITION BY TIMESTAMP_TRUNC(`ts`, MONTH)
CLUSTER BY `row_hash` AS
SELECT e.*, FARM_FINGERPRINT(ARRAY_TO_STRING([CAST(COALESCE(CAST(ts AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(v1 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(q1 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(v2 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(q2 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(v3 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(q3 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(v4 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(q4 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(v5 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(q5 AS STRING), '∅') AS STRING)], '\x1f')) AS row_hash
FROM (
SELECT
  ts,
  v1,
  q1,
  CASE WHEN v1 IS NULL OR q1 IS NOT NULL THEN NULL ELSE FARM_FINGERPRINT(ARRAY_TO_STRING([CAST('user_id' AS STRING), CAST(v1 AS STRING)], '\x1f')) END AS n1,
  v2,
  q2,
  CASE WHEN v2 IS NULL OR q2 IS NOT NULL THEN NULL ELSE FARM_FINGERPRINT(ARRAY_TO_STRING([CAST('email' AS STRING), CAST(v2 AS STRING)], '\x1f')) END AS n2,
  v3,
  q3,
  CASE WHEN v3 IS NULL OR q3 IS NOT NULL THEN NULL ELSE FARM_FINGERPRINT(ARRAY_TO_STRING([CAST('email' AS STRING), CAST(v3 AS STRING)], '\x1f')) END AS n3,
  v4,
  q4,
  CASE WHEN v4 IS NULL OR q4 IS NOT NULL THEN NULL ELSE FARM_FINGERPRINT(ARRAY_TO_STRING([CAST('email' AS STRING), CAST(v4 AS STRING)], '\x1f')) END AS n4,
  v5,
  q5,
  CASE WHEN v5 IS NULL OR q5 IS NOT NULL THEN NULL ELSE FARM_FINGERPRINT(ARRAY_TO_STRING([CAST('anonymous_id' AS STRING), CAST(v5 AS STRING)], '\x1f')) END AS n5
FROM (
  SELECT
    ts,
    v1,
    CAST(NULL AS STRING) AS q1,
    v2,
    CAST(NULL AS STRING) AS q2,
    v3,
    CAST(NULL AS STRING) AS q3,
    v4,
    CAST(NULL AS STRING) AS q4,
    v5,
    CAST(NULL AS STRING) AS q5
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
        CAST(`EventTime` AS TIMESTAMP) AS ts,
        NULLIF(CAST((lower(user_ref)) AS STRING), '') AS r1,
        NULLIF(CAST(`email` AS STRING), '') AS r2,
        NULLIF(CAST(`billing_email` AS STRING), '') AS r3,
        NULLIF(CAST((coalesce(alt_email, '')) AS STRING), '') AS r4,
        NULLIF(CAST(`anonymousId` AS STRING), '') AS r5
      FROM `raw`.`web_events`
      WHERE (event_type <> 'test')
    ) r
  ) v
) s
) e;

-- ===== stage edges: identifiers on one row are linked as a star from the row's first identifier
CREATE OR REPLACE TABLE `customer_360_work`.`edges`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT a, b, row_count, first_seen_at, last_seen_at, SUBSTR(CONCAT('', CASE WHEN s0 = 1 THEN ',web' ELSE '' END), 2) AS sources
FROM (
  SELECT LEAST(a, b) AS a, GREATEST(a, b) AS b, CAST(COUNT(*) AS INT64) AS row_count,
    MIN(ts) AS first_seen_at, MAX(ts) AS last_seen_at, MAX(s0) AS s0
  FROM (
    SELECT COALESCE(n1, n2, n3, n4, n5) AS a, n2 AS b, ts, 1 AS s0
    FROM `customer_360_state`.`rows_web__next` WHERE n2 IS NOT NULL AND n2 <> COALESCE(n1, n2, n3, n4, n5)
    UNION ALL SELECT COALESCE(n1, n2, n3, n4, n5) AS a, n3 AS b, ts, 1 AS s0
    FROM `customer_360_state`.`rows_web__next` WHERE n3 IS NOT NULL AND n3 <> COALESCE(n1, n2, n3, n4, n5)
    UNION ALL SELECT COALESCE(n1, n2, n3, n4, n5) AS a, n4 AS b, ts, 1 AS s0
    FROM `customer_360_state`.`rows_web__next` WHERE n4 IS NOT NULL AND n4 <> COALESCE(n1, n2, n3, n4, n5)
    UNION ALL SELECT COALESCE(n1, n2, n3, n4, n5) AS a, n5 AS b, ts, 1 AS s0
    FROM `customer_360_state`.`rows_web__next` WHERE n5 IS NOT NULL AND n5 <> COALESCE(n1, n2, n3, n4, n5)
  ) e
  GROUP BY LEAST(a, b), GREATEST(a, b)
) g;

-- ===== stage ids: one universal id per profile, from its anchor identifier
-- every identifier in the graph with its profile
CREATE OR REPLACE TABLE `customer_360_work`.`assign`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT n.node_id, n.id_type, n.id_value, n.type_rank, n.first_seen_at, n.last_seen_at, n.row_count,
  COALESCE(l.component, n.node_id) AS component
FROM `customer_360_work`.`nodes` n
LEFT JOIN `customer_360_work`.`labels` l ON n.node_id = l.node_id;
-- anchor: earliest first_seen, then type priority, then value
CREATE OR REPLACE TABLE `customer_360_work`.`anchors`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT component, id_type AS anchor_type, id_value AS anchor_value,
  TO_HEX(MD5(CONCAT('salt\'with quote', '|', id_type, '|', id_value))) AS universal_id
FROM (
  SELECT component, id_type, id_value,
    ROW_NUMBER() OVER (PARTITION BY component ORDER BY first_seen_at ASC NULLS LAST, type_rank, id_value) AS pos
  FROM `customer_360_work`.`assign`
) a
WHERE pos = 1;
-- every identifier with its universal id: the next id_graph
CREATE OR REPLACE TABLE `customer_360`.`id_graph__next`
CLUSTER BY `id_type`, `id_value` AS
SELECT a.universal_id, n.id_type, n.id_value, n.first_seen_at, n.last_seen_at, n.row_count, n.node_id
FROM `customer_360_work`.`assign` n
JOIN `customer_360_work`.`anchors` a ON n.component = a.component;
-- every identifier's region, quarantined ones too
CREATE OR REPLACE TABLE `customer_360_state`.`regions__next`
CLUSTER BY `node_id` AS
SELECT node_id, component AS region, id_type
FROM `customer_360_work`.`assign`;

-- ===== stage publish: replace each table from its new version, then commit the history and the state together (this warehouse has no transactions over DDL; a publish that stops part-way is completed by the next run)
CREATE OR REPLACE TABLE `customer_360`.`id_graph` COPY `customer_360`.`id_graph__next`;
CREATE OR REPLACE TABLE `customer_360`.`profiles` COPY `customer_360`.`profiles__next`;
CREATE OR REPLACE TABLE `customer_360`.`id_edges` COPY `customer_360`.`id_edges__next`;
CREATE OR REPLACE TABLE `customer_360`.`id_quarantine` COPY `customer_360`.`id_quarantine__next`;
CREATE OR REPLACE TABLE `customer_360`.`audience_members` COPY `customer_360`.`audience_members__next`;
-- source web with the universal id of each row
CREATE OR REPLACE VIEW `customer_360`.`web_stitched` AS
SELECT s.*, COALESCE(g1.universal_id, g2.universal_id, g3.universal_id, g4.universal_id, g5.universal_id, CAST(NULL AS STRING)) AS universal_id
FROM `raw`.`web_events` s
LEFT JOIN `customer_360`.`id_graph` g1 ON g1.id_type = 'user_id' AND g1.id_value = NULLIF(NULLIF(CAST((lower(user_ref)) AS STRING), ''), '')
LEFT JOIN `customer_360`.`id_graph` g2 ON g2.id_type = 'email' AND g2.id_value = NULLIF(NULLIF(CAST(s.`email` AS STRING), ''), '')
LEFT JOIN `customer_360`.`id_graph` g3 ON g3.id_type = 'email' AND g3.id_value = NULLIF(NULLIF(CAST(s.`billing_email` AS STRING), ''), '')
LEFT JOIN `customer_360`.`id_graph` g4 ON g4.id_type = 'email' AND g4.id_value = NULLIF(NULLIF(CAST((coalesce(alt_email, '')) AS STRING), ''), '')
LEFT JOIN `customer_360`.`id_graph` g5 ON g5.id_type = 'anonymous_id' AND g5.id_value = NULLIF(NULLIF(CAST(s.`anonymousId` AS STRING), ''), '');
DROP TABLE IF EXISTS `customer_360_state`.`rows_web`;
CREATE OR REPLACE TABLE `customer_360_state`.`rows_web` COPY `customer_360_state`.`rows_web__next`;
CREATE OR REPLACE TABLE `customer_360_state`.`hubs` COPY `customer_360_state`.`hubs__next`;
CREATE OR REPLACE TABLE `customer_360_state`.`qvalues` COPY `customer_360_state`.`qvalues__next`;
CREATE OR REPLACE TABLE `customer_360_state`.`regions` COPY `customer_360_state`.`regions__next`;
-- together, once every table is in place (the runner first records this publish in the state's publish_journal, and commits its clearing here)
BEGIN TRANSACTION;
UPDATE `customer_360`.`audience_history` AS h
SET exited_at = CAST(CURRENT_TIMESTAMP() AS TIMESTAMP)
WHERE h.exited_at IS NULL
  AND NOT EXISTS (
    SELECT 1 FROM `customer_360`.`audience_members__next` n
    WHERE n.audience = h.audience AND n.universal_id = h.universal_id
  );
INSERT INTO `customer_360`.`audience_history` (audience, universal_id, entered_at, exited_at, run_id)
SELECT n.audience, n.universal_id, n.entered_at, CAST(NULL AS TIMESTAMP), CAST(0 AS INT64)
FROM `customer_360`.`audience_members__next` n
WHERE NOT EXISTS (
  SELECT 1 FROM `customer_360`.`audience_history` h
  WHERE h.exited_at IS NULL AND h.audience = n.audience AND h.universal_id = n.universal_id
);
DELETE FROM `customer_360_state`.`meta` WHERE 1 = 1;
INSERT INTO `customer_360_state`.`meta` (section, fingerprint) VALUES ('layout', '5'), ('audiences', '74234e98afe7498f'), ('checks', '7b5219e6ed221e25'), ('degrees', '2833ac7524c0f216'), ('id_salt', '031bef7d6f59aca8'), ('id_types', 'abcf59e8d5a2844c'), ('limits', '{}'), ('policy', '439083f38956ba51'), ('sources', '47840e74bf1ca2dc'), ('traits', '74234e98afe7498f');
INSERT INTO `customer_360`.`id_changes` (run_id, changed_at, kind, old_universal_id, new_universal_id, identifiers) SELECT 0, CAST(CURRENT_TIMESTAMP() AS TIMESTAMP), kind, old_universal_id, new_universal_id, identifiers FROM `customer_360`.`id_changes__next`;
COMMIT TRANSACTION;
