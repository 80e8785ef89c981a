-- idstitch plan: project normalizers, warehouse duckdb, components by contraction
-- The runner also records each run in the runs table; that bookkeeping is not part of this script, and run_id is 0 in what it writes.

-- ===== stage extract: per source: the rows from the watermark less the lookback, and which of them are new or changed
-- source contacts (crm.contacts): the rows read again
CREATE OR REPLACE TABLE "identity_work".main."win_contacts" AS
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
      WHERE (CAST("ts" AS TIMESTAMP) IS NULL OR CAST("ts" AS TIMESTAMP) >= CAST('2026-10-29 00:00:00' AS TIMESTAMP))
    ) r
  ) v
) s
) e;
-- rows whose count differs from the stored ones
CREATE OR REPLACE TABLE "identity_work".main."changed_contacts" AS
SELECT COALESCE(n.row_hash, o.row_hash) AS row_hash, CASE WHEN o.c IS NULL THEN 0 ELSE 1 END AS stored
FROM (SELECT row_hash, COUNT(*) AS c FROM "identity_work".main."win_contacts" GROUP BY row_hash) n
FULL OUTER JOIN (
  SELECT row_hash, COUNT(*) AS c FROM "identity_state"."rows_contacts" s WHERE (ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) GROUP BY row_hash
) o ON n.row_hash = o.row_hash
WHERE n.c IS NULL OR o.c IS NULL OR n.c <> o.c;
CREATE OR REPLACE TABLE "identity_work".main."ins_contacts" AS
SELECT * FROM "identity_work".main."win_contacts" WHERE row_hash IN (SELECT row_hash FROM "identity_work".main."changed_contacts");
-- the stored rows that this run replaces
CREATE OR REPLACE TABLE "identity_work".main."gone_contacts" AS
SELECT row_hash FROM "identity_work".main."changed_contacts" WHERE stored = 1;
DROP TABLE IF EXISTS "identity_work".main."changed_contacts";
-- their identifiers
CREATE OR REPLACE TABLE "identity_work".main."del_contacts" AS
SELECT n1, v1, n2, v2, n3, v3, n4, v4, q1, q2, q3, q4 FROM "identity_state"."rows_contacts" WHERE (ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) AND row_hash IN (SELECT row_hash FROM "identity_work".main."gone_contacts");

-- append-only path, taken when this counts 0 after the extract stage:
SELECT 0 + (SELECT COUNT(*) FROM "identity_work".main."gone_contacts") AS n;

-- idstitch plan: project normalizers, warehouse duckdb, components by contraction
-- The runner also records each run in the runs table; that bookkeeping is not part of this script, and run_id is 0 in what it writes.
