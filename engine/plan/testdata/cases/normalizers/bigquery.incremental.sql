-- idstitch plan: project normalizers, warehouse bigquery, components by contraction
-- The runner also records each run in the runs table; that bookkeeping is not part of this script, and run_id is 0 in what it writes.

-- ===== stage extract: per source: the rows from the watermark less the lookback, and which of them are new or changed
-- source contacts (crm.contacts): the rows read again
CREATE OR REPLACE TABLE `identity_work`.`win_contacts`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT e.*, FARM_FINGERPRINT(ARRAY_TO_STRING([CAST(COALESCE(CAST(ts AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(v1 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(q1 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(v2 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(q2 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(v3 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(q3 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(v4 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(q4 AS STRING), '∅') AS STRING)], '\x1f')) AS row_hash
FROM (
SELECT
  ts,
  v1,
  q1,
  CASE WHEN v1 IS NULL OR q1 IS NOT NULL THEN NULL ELSE FARM_FINGERPRINT(ARRAY_TO_STRING([CAST('email' AS STRING), CAST(v1 AS STRING)], '\x1f')) END AS n1,
  v2,
  q2,
  CASE WHEN v2 IS NULL OR q2 IS NOT NULL THEN NULL ELSE FARM_FINGERPRINT(ARRAY_TO_STRING([CAST('code' AS STRING), CAST(v2 AS STRING)], '\x1f')) END AS n2,
  v3,
  q3,
  CASE WHEN v3 IS NULL OR q3 IS NOT NULL THEN NULL ELSE FARM_FINGERPRINT(ARRAY_TO_STRING([CAST('phone' AS STRING), CAST(v3 AS STRING)], '\x1f')) END AS n3,
  v4,
  q4,
  CASE WHEN v4 IS NULL OR q4 IS NOT NULL THEN NULL ELSE FARM_FINGERPRINT(ARRAY_TO_STRING([CAST('loyalty' AS STRING), CAST(v4 AS STRING)], '\x1f')) END AS n4
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
    CAST(NULL AS STRING) AS q4
  FROM (
    SELECT
      ts,
      NULLIF(LOWER(TRIM(r1)), '') AS v1,
      NULLIF(UPPER(r2), '') AS v2,
      NULLIF(CASE WHEN REGEXP_REPLACE(r3, '[^0-9]', '') = '' THEN NULL WHEN TRIM(r3) LIKE '+%' THEN CONCAT('+', REGEXP_REPLACE(r3, '[^0-9]', '')) WHEN REGEXP_REPLACE(r3, '[^0-9]', '') LIKE '00%' THEN CONCAT('+', SUBSTR(REGEXP_REPLACE(r3, '[^0-9]', ''), 3)) WHEN REGEXP_REPLACE(r3, '[^0-9]', '') LIKE '44%' AND LENGTH(REGEXP_REPLACE(r3, '[^0-9]', '')) >= 11 THEN CONCAT('+', REGEXP_REPLACE(r3, '[^0-9]', '')) ELSE CONCAT('+44', LTRIM(REGEXP_REPLACE(r3, '[^0-9]', ''), '0')) END, '') AS v3,
      NULLIF(ltrim((REGEXP_REPLACE(r4, '[^0-9]', '')), '0'), '') AS v4
    FROM (
      SELECT
        CAST(`ts` AS TIMESTAMP) AS ts,
        NULLIF(CAST(`email` AS STRING), '') AS r1,
        NULLIF(CAST(`code` AS STRING), '') AS r2,
        NULLIF(CAST(`phone` AS STRING), '') AS r3,
        NULLIF(CAST(`card` AS STRING), '') AS r4
      FROM `crm`.`contacts`
      WHERE (CAST(`ts` AS TIMESTAMP) IS NULL OR CAST(`ts` AS TIMESTAMP) >= CAST('2026-10-29 00:00:00' AS TIMESTAMP))
    ) r
  ) v
) s
) e;
-- rows whose count differs from the stored ones
CREATE OR REPLACE TABLE `identity_work`.`changed_contacts`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT COALESCE(n.row_hash, o.row_hash) AS row_hash, CASE WHEN o.c IS NULL THEN 0 ELSE 1 END AS stored
FROM (SELECT row_hash, COUNT(*) AS c FROM `identity_work`.`win_contacts` GROUP BY row_hash) n
FULL OUTER JOIN (
  SELECT row_hash, COUNT(*) AS c FROM `identity_state`.`rows_contacts` s WHERE (ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) GROUP BY row_hash
) o ON n.row_hash = o.row_hash
WHERE n.c IS NULL OR o.c IS NULL OR n.c <> o.c;
CREATE OR REPLACE TABLE `identity_work`.`ins_contacts`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT * FROM `identity_work`.`win_contacts` WHERE row_hash IN (SELECT row_hash FROM `identity_work`.`changed_contacts`);
-- the stored rows that this run replaces
CREATE OR REPLACE TABLE `identity_work`.`gone_contacts`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT row_hash FROM `identity_work`.`changed_contacts` WHERE stored = 1;
-- their identifiers
CREATE OR REPLACE TABLE `identity_work`.`del_contacts`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT n1, v1, n2, v2, n3, v3, n4, v4, q1, q2, q3, q4 FROM `identity_state`.`rows_contacts` WHERE (ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) AND row_hash IN (SELECT row_hash FROM `identity_work`.`gone_contacts`);

-- append-only path, taken when this counts 0 after the extract stage:
SELECT 0 + (SELECT COUNT(*) FROM `identity_work`.`gone_contacts`) AS n;

-- idstitch plan: project normalizers, warehouse bigquery, components by contraction
-- The runner also records each run in the runs table; that bookkeeping is not part of this script, and run_id is 0 in what it writes.
