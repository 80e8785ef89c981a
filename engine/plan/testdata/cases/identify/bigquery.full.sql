-- idstitch plan: project identify, warehouse bigquery, components by contraction
-- The runner also records each run in the runs table; that bookkeeping is not part of this script, and run_id is 0 in what it writes.

-- ===== stage controls: the overrides and forget requests people wrote, normalized, and what changed since the last run
-- the forget requests waiting, normalized, with the salted hash forget_audit keeps
CREATE OR REPLACE TABLE `identity_work`.`fgt_new`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT request_id, action, id_type, id_value, requested_at, value_hash, problem,
  CASE WHEN problem IS NULL AND ROW_NUMBER() OVER (PARTITION BY problem, value_hash ORDER BY requested_at DESC NULLS LAST, request_id DESC) = 1 THEN 1 ELSE 0 END AS latest
FROM (
  SELECT request_id, action, id_type, id_value, requested_at,
    CASE WHEN id_value IS NULL THEN NULL ELSE TO_HEX(MD5(CONCAT('identify', '|forget|', id_type, '|', id_value))) END AS value_hash,
    CASE
      WHEN request_id IS NULL THEN 'request_id is empty'
      WHEN action IS NULL OR action NOT IN ('forget', 'withdraw') THEN 'action must be forget or withdraw'
      WHEN id_type IS NULL OR id_type NOT IN ('user_id', 'email', 'anonymous_id') THEN 'id_type names no id type of the project'
      WHEN id_value IS NULL THEN 'id_value is empty after normalization'
    END AS problem
  FROM (
    SELECT request_id, action, id_type, requested_at,
      NULLIF(CASE id_type WHEN 'user_id' THEN id_value WHEN 'email' THEN LOWER(TRIM(id_value)) WHEN 'anonymous_id' THEN id_value END, '') AS id_value
    FROM `identity`.`forget_requests`
  ) r
) h;
-- the node ids and universal ids of the identifiers forgotten now
CREATE OR REPLACE TABLE `identity_work`.`fgt_keys`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT FARM_FINGERPRINT(ARRAY_TO_STRING([CAST(id_type AS STRING), CAST(id_value AS STRING)], '\x1f')) AS node_id,
  TO_HEX(MD5(CONCAT('identify', '|', id_type, '|', id_value))) AS universal_id
FROM `identity_work`.`fgt_new` WHERE latest = 1 AND action = 'forget';
-- the hashes of every value forgotten
CREATE OR REPLACE TABLE `identity_work`.`fgt_hashes`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT value_hash FROM `identity`.`forget_audit`
WHERE value_hash NOT IN (SELECT value_hash FROM `identity_work`.`fgt_new` WHERE latest = 1 AND action = 'withdraw')
UNION ALL
SELECT value_hash FROM `identity_work`.`fgt_new` WHERE latest = 1 AND action = 'forget';

-- ===== stage extract: per source: each row's identifiers, normalized and checked, with their node ids
-- source events (events), kept as the rows read so far
CREATE OR REPLACE TABLE `identity_state`.`rows_events__next`
PARTITION BY TIMESTAMP_TRUNC(`ts`, MONTH)
CLUSTER BY `row_hash` AS
SELECT e.*, FARM_FINGERPRINT(ARRAY_TO_STRING([CAST(COALESCE(CAST(ts AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(v1 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(q1 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(v2 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(q2 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(v3 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(q3 AS STRING), '∅') AS STRING)], '\x1f')) AS row_hash
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
  CASE WHEN v3 IS NULL OR q3 IS NOT NULL THEN NULL ELSE FARM_FINGERPRINT(ARRAY_TO_STRING([CAST('anonymous_id' AS STRING), CAST(v3 AS STRING)], '\x1f')) END AS n3
FROM (
  SELECT
    ts,
    v1,
    CAST(NULL AS STRING) AS q1,
    v2,
    CAST(NULL AS STRING) AS q2,
    v3,
    CAST(NULL AS STRING) AS q3
  FROM (
    SELECT
      ts,
      NULLIF(r1, '') AS v1,
      NULLIF(LOWER(TRIM(r2)), '') AS v2,
      NULLIF(r3, '') AS v3
    FROM (
      SELECT
        CAST(`ts` AS TIMESTAMP) AS ts,
        NULLIF(CAST(`user_id` AS STRING), '') AS r1,
        NULLIF(CAST(`email` AS STRING), '') AS r2,
        NULLIF(CAST(`anonymous_id` AS STRING), '') AS r3
      FROM `events`
    ) r
  ) v
) s
WHERE NOT ((v1 IS NOT NULL AND TO_HEX(MD5(CONCAT('identify', '|forget|', 'user_id', '|', v1))) IN (SELECT value_hash FROM `identity_work`.`fgt_hashes`)) OR (v2 IS NOT NULL AND TO_HEX(MD5(CONCAT('identify', '|forget|', 'email', '|', v2))) IN (SELECT value_hash FROM `identity_work`.`fgt_hashes`)) OR (v3 IS NOT NULL AND TO_HEX(MD5(CONCAT('identify', '|forget|', 'anonymous_id', '|', v3))) IN (SELECT value_hash FROM `identity_work`.`fgt_hashes`)))
) e;
-- source identify (identity.identify_events), kept as the rows read so far
CREATE OR REPLACE TABLE `identity_state`.`rows_identify__next`
PARTITION BY TIMESTAMP_TRUNC(`ts`, MONTH)
CLUSTER BY `row_hash` AS
SELECT e.*, FARM_FINGERPRINT(ARRAY_TO_STRING([CAST(COALESCE(CAST(ts AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(v1 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(q1 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(v2 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(q2 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(v3 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(q3 AS STRING), '∅') AS STRING)], '\x1f')) AS row_hash
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
  CASE WHEN v3 IS NULL OR q3 IS NOT NULL THEN NULL ELSE FARM_FINGERPRINT(ARRAY_TO_STRING([CAST('anonymous_id' AS STRING), CAST(v3 AS STRING)], '\x1f')) END AS n3
FROM (
  SELECT
    ts,
    v1,
    CAST(NULL AS STRING) AS q1,
    v2,
    CAST(NULL AS STRING) AS q2,
    v3,
    CAST(NULL AS STRING) AS q3
  FROM (
    SELECT
      ts,
      NULLIF(r1, '') AS v1,
      NULLIF(LOWER(TRIM(r2)), '') AS v2,
      NULLIF(r3, '') AS v3
    FROM (
      SELECT
        CAST(`received_at` AS TIMESTAMP) AS ts,
        NULLIF(CAST(`id_user_id` AS STRING), '') AS r1,
        NULLIF(CAST(`id_email` AS STRING), '') AS r2,
        NULLIF(CAST(`id_anonymous_id` AS STRING), '') AS r3
      FROM `identity`.`identify_events`
    ) r
  ) v
) s
WHERE NOT ((v1 IS NOT NULL AND TO_HEX(MD5(CONCAT('identify', '|forget|', 'user_id', '|', v1))) IN (SELECT value_hash FROM `identity_work`.`fgt_hashes`)) OR (v2 IS NOT NULL AND TO_HEX(MD5(CONCAT('identify', '|forget|', 'email', '|', v2))) IN (SELECT value_hash FROM `identity_work`.`fgt_hashes`)) OR (v3 IS NOT NULL AND TO_HEX(MD5(CONCAT('identify', '|forget|', 'anonymous_id', '|', v3))) IN (SELECT value_hash FROM `identity_work`.`fgt_hashes`)))
) e;

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
LEFT JOIN `identity`.`id_graph` g2 ON g2.id_type = 'email' AND g2.id_value = NULLIF(LOWER(TRIM(NULLIF(CAST(s.`email` AS STRING), ''))), '')
LEFT JOIN `identity`.`id_graph` g3 ON g3.id_type = 'anonymous_id' AND g3.id_value = NULLIF(NULLIF(CAST(s.`anonymous_id` AS STRING), ''), '')
-- Rows holding a forgotten value are left out, as runs leave them out.
WHERE NOT EXISTS (
  SELECT 1 FROM `identity`.`forget_audit` f
  WHERE f.value_hash IN (TO_HEX(MD5(CONCAT('identify', '|forget|', 'user_id', '|', NULLIF(NULLIF(CAST(s.`user_id` AS STRING), ''), '')))), TO_HEX(MD5(CONCAT('identify', '|forget|', 'email', '|', NULLIF(LOWER(TRIM(NULLIF(CAST(s.`email` AS STRING), ''))), '')))), TO_HEX(MD5(CONCAT('identify', '|forget|', 'anonymous_id', '|', NULLIF(NULLIF(CAST(s.`anonymous_id` AS STRING), ''), '')))))
);
-- source identify with the universal id of each row
CREATE OR REPLACE VIEW `identity`.`identify_stitched` AS
SELECT s.*, COALESCE(g1.universal_id, g2.universal_id, g3.universal_id, CAST(NULL AS STRING)) AS universal_id
FROM `identity`.`identify_events` s
LEFT JOIN `identity`.`id_graph` g1 ON g1.id_type = 'user_id' AND g1.id_value = NULLIF(NULLIF(CAST(s.`id_user_id` AS STRING), ''), '')
LEFT JOIN `identity`.`id_graph` g2 ON g2.id_type = 'email' AND g2.id_value = NULLIF(LOWER(TRIM(NULLIF(CAST(s.`id_email` AS STRING), ''))), '')
LEFT JOIN `identity`.`id_graph` g3 ON g3.id_type = 'anonymous_id' AND g3.id_value = NULLIF(NULLIF(CAST(s.`id_anonymous_id` AS STRING), ''), '')
-- Rows holding a forgotten value are left out, as runs leave them out.
WHERE NOT EXISTS (
  SELECT 1 FROM `identity`.`forget_audit` f
  WHERE f.value_hash IN (TO_HEX(MD5(CONCAT('identify', '|forget|', 'user_id', '|', NULLIF(NULLIF(CAST(s.`id_user_id` AS STRING), ''), '')))), TO_HEX(MD5(CONCAT('identify', '|forget|', 'email', '|', NULLIF(LOWER(TRIM(NULLIF(CAST(s.`id_email` AS STRING), ''))), '')))), TO_HEX(MD5(CONCAT('identify', '|forget|', 'anonymous_id', '|', NULLIF(NULLIF(CAST(s.`id_anonymous_id` AS STRING), ''), '')))))
);
DROP TABLE IF EXISTS `identity_state`.`rows_events`;
CREATE OR REPLACE TABLE `identity_state`.`rows_events` COPY `identity_state`.`rows_events__next`;
DROP TABLE IF EXISTS `identity_state`.`rows_identify`;
CREATE OR REPLACE TABLE `identity_state`.`rows_identify` COPY `identity_state`.`rows_identify__next`;
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
INSERT INTO `identity_state`.`meta` (section, fingerprint) VALUES ('layout', '5'), ('audiences', '74234e98afe7498f'), ('checks', '7b5219e6ed221e25'), ('degrees', '2833ac7524c0f216'), ('id_salt', 'f8bd0d01fe7fe626'), ('id_types', '26c4a9f56526cd0a'), ('limits', '{}'), ('policy', '439083f38956ba51'), ('sources', 'e03cf3f26c0e16cb'), ('traits', '74234e98afe7498f');
INSERT INTO `identity`.`id_changes` (run_id, changed_at, kind, old_universal_id, new_universal_id, identifiers) SELECT 0, CAST(CURRENT_TIMESTAMP() AS TIMESTAMP), kind, old_universal_id, new_universal_id, identifiers FROM `identity`.`id_changes__next`;
COMMIT TRANSACTION;

-- ===== stage controls_after: the overrides' statuses and the forget requests carried out
-- identify answers the run published otherwise, as provisional changes
INSERT INTO `identity`.`id_changes` (run_id, changed_at, kind, old_universal_id, new_universal_id, identifiers)
SELECT 0, CAST(CURRENT_TIMESTAMP() AS TIMESTAMP), 'provisional', c.answered_id, c.universal_id, CAST(COUNT(*) AS INT64)
FROM (
  SELECT DISTINCT e.answered_id, e.answered_type, e.answered_value, g.universal_id
  FROM `identity`.`identify_events` e
  LEFT JOIN `identity`.`id_graph` g ON g.id_type = e.answered_type AND g.id_value = e.answered_value
  WHERE e.confirmed_run IS NULL
    AND e.received_at <= (SELECT MAX(started_at) FROM `identity`.`runs` WHERE run_id = 0)
    AND (g.universal_id IS NULL OR g.universal_id <> e.answered_id)
) c
WHERE NOT EXISTS (SELECT 1 FROM `identity`.`id_changes` x WHERE x.run_id = 0 AND x.kind = 'provisional')
GROUP BY c.answered_id, c.universal_id;
-- the identify calls the run read, confirmed
UPDATE `identity`.`identify_events` SET confirmed_run = 0
WHERE confirmed_run IS NULL
  AND received_at <= (SELECT MAX(started_at) FROM `identity`.`runs` WHERE run_id = 0);
INSERT INTO `identity`.`forget_audit` (value_hash, requested_at, forgotten_at, run_id)
SELECT value_hash, requested_at, CURRENT_TIMESTAMP(), 0
FROM `identity_work`.`fgt_new`
WHERE latest = 1 AND action = 'forget' AND value_hash NOT IN (SELECT value_hash FROM `identity`.`forget_audit`);
DELETE FROM `identity`.`forget_audit`
WHERE value_hash IN (SELECT value_hash FROM `identity_work`.`fgt_new` WHERE latest = 1 AND action = 'withdraw');
DELETE FROM `identity`.`forget_requests`
WHERE request_id IN (SELECT request_id FROM `identity_work`.`fgt_new` WHERE problem IS NULL);
DELETE FROM `identity`.`id_changes`
WHERE old_universal_id IN (SELECT universal_id FROM `identity_work`.`fgt_keys`) OR new_universal_id IN (SELECT universal_id FROM `identity_work`.`fgt_keys`);
DELETE FROM `identity`.`audience_history`
WHERE universal_id IN (SELECT universal_id FROM `identity_work`.`fgt_keys`);
UPDATE `identity`.`identify_events` SET
  `id_user_id` = CASE WHEN `id_user_id` IN (SELECT f.id_value FROM `identity_work`.`fgt_new` f WHERE f.id_type = 'user_id' AND f.action = 'forget' AND f.latest = 1) THEN NULL ELSE `id_user_id` END,
  answered_value = CASE WHEN answered_type = 'user_id' AND answered_value IN (SELECT f.id_value FROM `identity_work`.`fgt_new` f WHERE f.id_type = 'user_id' AND f.action = 'forget' AND f.latest = 1) THEN NULL ELSE answered_value END
WHERE `id_user_id` IN (SELECT f.id_value FROM `identity_work`.`fgt_new` f WHERE f.id_type = 'user_id' AND f.action = 'forget' AND f.latest = 1)
  OR (answered_type = 'user_id' AND answered_value IN (SELECT f.id_value FROM `identity_work`.`fgt_new` f WHERE f.id_type = 'user_id' AND f.action = 'forget' AND f.latest = 1));
UPDATE `identity`.`identify_events` SET
  `id_email` = CASE WHEN LOWER(TRIM(`id_email`)) IN (SELECT f.id_value FROM `identity_work`.`fgt_new` f WHERE f.id_type = 'email' AND f.action = 'forget' AND f.latest = 1) THEN NULL ELSE `id_email` END,
  answered_value = CASE WHEN answered_type = 'email' AND answered_value IN (SELECT f.id_value FROM `identity_work`.`fgt_new` f WHERE f.id_type = 'email' AND f.action = 'forget' AND f.latest = 1) THEN NULL ELSE answered_value END
WHERE LOWER(TRIM(`id_email`)) IN (SELECT f.id_value FROM `identity_work`.`fgt_new` f WHERE f.id_type = 'email' AND f.action = 'forget' AND f.latest = 1)
  OR (answered_type = 'email' AND answered_value IN (SELECT f.id_value FROM `identity_work`.`fgt_new` f WHERE f.id_type = 'email' AND f.action = 'forget' AND f.latest = 1));
UPDATE `identity`.`identify_events` SET
  `id_anonymous_id` = CASE WHEN `id_anonymous_id` IN (SELECT f.id_value FROM `identity_work`.`fgt_new` f WHERE f.id_type = 'anonymous_id' AND f.action = 'forget' AND f.latest = 1) THEN NULL ELSE `id_anonymous_id` END,
  answered_value = CASE WHEN answered_type = 'anonymous_id' AND answered_value IN (SELECT f.id_value FROM `identity_work`.`fgt_new` f WHERE f.id_type = 'anonymous_id' AND f.action = 'forget' AND f.latest = 1) THEN NULL ELSE answered_value END
WHERE `id_anonymous_id` IN (SELECT f.id_value FROM `identity_work`.`fgt_new` f WHERE f.id_type = 'anonymous_id' AND f.action = 'forget' AND f.latest = 1)
  OR (answered_type = 'anonymous_id' AND answered_value IN (SELECT f.id_value FROM `identity_work`.`fgt_new` f WHERE f.id_type = 'anonymous_id' AND f.action = 'forget' AND f.latest = 1));
UPDATE `identity`.`identify_events` SET answered_id = NULL
WHERE answered_id IN (SELECT universal_id FROM `identity_work`.`fgt_keys`);
DELETE FROM `identity`.`delivery_dead_letters`
WHERE EXISTS (SELECT 1 FROM `identity_work`.`fgt_new` f WHERE f.action = 'forget' AND f.latest = 1 AND f.id_value IS NOT NULL
    AND payload LIKE CONCAT('%', f.id_value, '%'))
  OR EXISTS (SELECT 1 FROM `identity_work`.`fgt_keys` k WHERE payload LIKE CONCAT('%', k.universal_id, '%'));
