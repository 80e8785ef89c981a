-- idstitch plan: project no_timestamp, warehouse bigquery, components by contraction
-- The runner also records each run in the runs table; that bookkeeping is not part of this script, and run_id is 0 in what it writes.

-- ===== stage extract: per source: the rows from the watermark less the lookback, and which of them are new or changed
-- source crm (crm.customers): the rows read again
CREATE OR REPLACE TABLE `identity_work`.`win_crm`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT e.*, FARM_FINGERPRINT(ARRAY_TO_STRING([CAST(COALESCE(CAST(ts AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(v1 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(q1 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(v2 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(q2 AS STRING), '∅') AS STRING)], '\x1f')) AS row_hash
FROM (
SELECT
  ts,
  v1,
  q1,
  CASE WHEN v1 IS NULL OR q1 IS NOT NULL THEN NULL ELSE FARM_FINGERPRINT(ARRAY_TO_STRING([CAST('customer_id' AS STRING), CAST(v1 AS STRING)], '\x1f')) END AS n1,
  v2,
  q2,
  CASE WHEN v2 IS NULL OR q2 IS NOT NULL THEN NULL ELSE FARM_FINGERPRINT(ARRAY_TO_STRING([CAST('email' AS STRING), CAST(v2 AS STRING)], '\x1f')) END AS n2
FROM (
  SELECT
    ts,
    v1,
    CAST(NULL AS STRING) AS q1,
    v2,
    CAST(NULL AS STRING) AS q2
  FROM (
    SELECT
      ts,
      NULLIF(r1, '') AS v1,
      NULLIF(r2, '') AS v2
    FROM (
      SELECT
        CAST(NULL AS TIMESTAMP) AS ts,
        NULLIF(CAST(`id` AS STRING), '') AS r1,
        NULLIF(CAST(`email` AS STRING), '') AS r2
      FROM `crm`.`customers`
    ) r
  ) v
) s
) e;
-- rows whose count differs from the stored ones
CREATE OR REPLACE TABLE `identity_work`.`changed_crm`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT COALESCE(n.row_hash, o.row_hash) AS row_hash, CASE WHEN o.c IS NULL THEN 0 ELSE 1 END AS stored
FROM (SELECT row_hash, COUNT(*) AS c FROM `identity_work`.`win_crm` GROUP BY row_hash) n
FULL OUTER JOIN (
  SELECT row_hash, COUNT(*) AS c FROM `identity_state`.`rows_crm` s WHERE 1 = 1 GROUP BY row_hash
) o ON n.row_hash = o.row_hash
WHERE n.c IS NULL OR o.c IS NULL OR n.c <> o.c;
CREATE OR REPLACE TABLE `identity_work`.`ins_crm`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT * FROM `identity_work`.`win_crm` WHERE row_hash IN (SELECT row_hash FROM `identity_work`.`changed_crm`);
-- the stored rows that this run replaces
CREATE OR REPLACE TABLE `identity_work`.`gone_crm`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT row_hash FROM `identity_work`.`changed_crm` WHERE stored = 1;
-- their identifiers
CREATE OR REPLACE TABLE `identity_work`.`del_crm`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT n1, v1, n2, v2, q1, q2 FROM `identity_state`.`rows_crm` WHERE 1 = 1 AND row_hash IN (SELECT row_hash FROM `identity_work`.`gone_crm`);

-- ===== stage region: the identifiers the changed rows touch, the hub decisions they change, and the regions to recompute
-- identifiers on rows that are new, changed or gone
CREATE OR REPLACE TABLE `identity_work`.`touched`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT DISTINCT node_id, id_type, id_value
FROM (
  SELECT n1 AS node_id, 'customer_id' AS id_type, v1 AS id_value
  FROM `identity_work`.`ins_crm` WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 AS node_id, 'email' AS id_type, v2 AS id_value
  FROM `identity_work`.`ins_crm` WHERE n2 IS NOT NULL
  UNION ALL SELECT n1 AS node_id, 'customer_id' AS id_type, v1 AS id_value
  FROM `identity_work`.`del_crm` WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 AS node_id, 'email' AS id_type, v2 AS id_value
  FROM `identity_work`.`del_crm` WHERE n2 IS NOT NULL
) t;
-- invalid and blocked values, counted over all rows
CREATE OR REPLACE TABLE `identity_work`.`qvalues_new`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT CAST(NULL AS STRING) AS id_type, CAST(NULL AS STRING) AS id_value, CAST(NULL AS STRING) AS reason, CAST(NULL AS INT64) AS evidence LIMIT 0;
-- touched identifiers, the partners of those whose hub decision flipped, and the regions a changed limit can split
CREATE OR REPLACE TABLE `identity_work`.`seeds`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT DISTINCT node_id FROM (
  SELECT node_id FROM `identity_work`.`touched`
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
) n;
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
) n;
-- rows of crm in those regions
CREATE OR REPLACE TABLE `identity_work`.`src_crm`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
-- The stored rows that hold one of the identifiers, less those this run replaces, and the new
-- rows that hold one: filtering by identifier first keeps the costlier test to few rows.
SELECT ts, row_hash, n1, n2 FROM (
  SELECT * FROM `identity_state`.`rows_crm` s WHERE s.n1 IN (SELECT node_id FROM `identity_work`.`rnodes`) OR s.n2 IN (SELECT node_id FROM `identity_work`.`rnodes`)
) s
WHERE NOT (1 = 1 AND s.row_hash IN (SELECT row_hash FROM `identity_work`.`gone_crm`))
UNION ALL
SELECT ts, row_hash, n1, n2 FROM `identity_work`.`ins_crm` s WHERE s.n1 IN (SELECT node_id FROM `identity_work`.`rnodes`) OR s.n2 IN (SELECT node_id FROM `identity_work`.`rnodes`);

-- append-only path, taken when this counts 0 after the extract stage:
SELECT 0 + (SELECT COUNT(*) FROM `identity_work`.`gone_crm`) AS n;

-- idstitch plan: project no_timestamp, warehouse bigquery, components by contraction
-- The runner also records each run in the runs table; that bookkeeping is not part of this script, and run_id is 0 in what it writes.
