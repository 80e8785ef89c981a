-- idstitch plan: project normalizers, warehouse duckdb, components by contraction
-- The runner also records each run in the runs table; that bookkeeping is not part of this script, and run_id is 0 in what it writes.

-- ===== stage extract: per source: each row's identifiers, normalized and checked, with their node ids
-- source contacts (crm.contacts), kept as the rows read so far
CREATE OR REPLACE TABLE "identity_state"."rows_contacts__next" AS
SELECT e.*, CAST(CAST(hash(ts, v1, q1, v2, q2, v3, q3, v4, q4) AS HUGEINT) - 9223372036854775808 AS BIGINT) AS row_hash
FROM (
SELECT
  ts,
  v1,
  q1,
  CASE WHEN v1 IS NULL OR q1 IS NOT NULL THEN NULL ELSE CAST(CAST(hash('email', v1) AS HUGEINT) - 9223372036854775808 AS BIGINT) END AS n1,
  v2,
  q2,
  CASE WHEN v2 IS NULL OR q2 IS NOT NULL THEN NULL ELSE CAST(CAST(hash('code', v2) AS HUGEINT) - 9223372036854775808 AS BIGINT) END AS n2,
  v3,
  q3,
  CASE WHEN v3 IS NULL OR q3 IS NOT NULL THEN NULL ELSE CAST(CAST(hash('phone', v3) AS HUGEINT) - 9223372036854775808 AS BIGINT) END AS n3,
  v4,
  q4,
  CASE WHEN v4 IS NULL OR q4 IS NOT NULL THEN NULL ELSE CAST(CAST(hash('loyalty', v4) AS HUGEINT) - 9223372036854775808 AS BIGINT) END AS n4
FROM (
  SELECT
    ts,
    v1,
    CAST(NULL AS VARCHAR) AS q1,
    v2,
    CAST(NULL AS VARCHAR) AS q2,
    v3,
    CAST(NULL AS VARCHAR) AS q3,
    v4,
    CAST(NULL AS VARCHAR) AS q4
  FROM (
    SELECT
      ts,
      NULLIF(LOWER(TRIM(r1)), '') AS v1,
      NULLIF(UPPER(r2), '') AS v2,
      NULLIF(CASE WHEN regexp_replace(r3, '[^0-9]', '', 'g') = '' THEN NULL WHEN TRIM(r3) LIKE '+%' THEN ('+' || regexp_replace(r3, '[^0-9]', '', 'g')) WHEN regexp_replace(r3, '[^0-9]', '', 'g') LIKE '00%' THEN ('+' || SUBSTR(regexp_replace(r3, '[^0-9]', '', 'g'), 3)) WHEN regexp_replace(r3, '[^0-9]', '', 'g') LIKE '44%' AND LENGTH(regexp_replace(r3, '[^0-9]', '', 'g')) >= 11 THEN ('+' || regexp_replace(r3, '[^0-9]', '', 'g')) ELSE ('+44' || LTRIM(regexp_replace(r3, '[^0-9]', '', 'g'), '0')) END, '') AS v3,
      NULLIF(ltrim((regexp_replace(r4, '[^0-9]', '', 'g')), '0'), '') AS v4
    FROM (
      SELECT
        CAST("ts" AS TIMESTAMP) AS ts,
        NULLIF(CAST("email" AS VARCHAR), '') AS r1,
        NULLIF(CAST("code" AS VARCHAR), '') AS r2,
        NULLIF(CAST("phone" AS VARCHAR), '') AS r3,
        NULLIF(CAST("card" AS VARCHAR), '') AS r4
      FROM "crm"."contacts"
    ) r
  ) v
) s
) e;
