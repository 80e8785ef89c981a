-- idstitch plan: project normalizers, warehouse bigquery, components by contraction
-- The runner also records each run in the runs table; that bookkeeping is not part of this script, and run_id is 0 in what it writes.

-- ===== stage extract: per source: each row's identifiers, normalized and checked, with their node ids
-- source contacts (crm.contacts), kept as the rows read so far
CREATE OR REPLACE TABLE `identity_state`.`rows_contacts__next`
PARTITION BY TIMESTAMP_TRUNC(`ts`, MONTH)
CLUSTER BY `row_hash` AS
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
    ) r
  ) v
) s
) e;
