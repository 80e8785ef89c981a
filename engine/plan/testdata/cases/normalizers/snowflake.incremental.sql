-- idstitch plan: project normalizers, warehouse snowflake, components by contraction
-- The runner also records each run in the runs table; that bookkeeping is not part of this script, and run_id is 0 in what it writes.

-- ===== stage extract: per source: the rows from the watermark less the lookback, and which of them are new or changed
-- source contacts (crm.contacts): the rows read again
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."WIN_CONTACTS" AS
SELECT e.*, HASH(COALESCE(CAST(ts AS VARCHAR), '∅'), COALESCE(CAST(v1 AS VARCHAR), '∅'), COALESCE(CAST(q1 AS VARCHAR), '∅'), COALESCE(CAST(v2 AS VARCHAR), '∅'), COALESCE(CAST(q2 AS VARCHAR), '∅'), COALESCE(CAST(v3 AS VARCHAR), '∅'), COALESCE(CAST(q3 AS VARCHAR), '∅'), COALESCE(CAST(v4 AS VARCHAR), '∅'), COALESCE(CAST(q4 AS VARCHAR), '∅')) AS row_hash
FROM (
SELECT
  ts,
  v1,
  q1,
  CASE WHEN v1 IS NULL OR q1 IS NOT NULL THEN NULL ELSE HASH('email', v1) END AS n1,
  v2,
  q2,
  CASE WHEN v2 IS NULL OR q2 IS NOT NULL THEN NULL ELSE HASH('code', v2) END AS n2,
  v3,
  q3,
  CASE WHEN v3 IS NULL OR q3 IS NOT NULL THEN NULL ELSE HASH('phone', v3) END AS n3,
  v4,
  q4,
  CASE WHEN v4 IS NULL OR q4 IS NOT NULL THEN NULL ELSE HASH('loyalty', v4) END AS n4
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
      NULLIF(CASE WHEN REGEXP_REPLACE(r3, '[^0-9]', '') = '' THEN NULL WHEN TRIM(r3) LIKE '+%' THEN ('+' || REGEXP_REPLACE(r3, '[^0-9]', '')) WHEN REGEXP_REPLACE(r3, '[^0-9]', '') LIKE '00%' THEN ('+' || SUBSTR(REGEXP_REPLACE(r3, '[^0-9]', ''), 3)) WHEN REGEXP_REPLACE(r3, '[^0-9]', '') LIKE '44%' AND LENGTH(REGEXP_REPLACE(r3, '[^0-9]', '')) >= 11 THEN ('+' || REGEXP_REPLACE(r3, '[^0-9]', '')) ELSE ('+44' || LTRIM(REGEXP_REPLACE(r3, '[^0-9]', ''), '0')) END, '') AS v3,
      NULLIF(ltrim((REGEXP_REPLACE(r4, '[^0-9]', '')), '0'), '') AS v4
    FROM (
      SELECT
        CAST("TS" AS TIMESTAMP) AS ts,
        NULLIF(CAST("EMAIL" AS VARCHAR), '') AS r1,
        NULLIF(CAST("CODE" AS VARCHAR), '') AS r2,
        NULLIF(CAST("PHONE" AS VARCHAR), '') AS r3,
        NULLIF(CAST("CARD" AS VARCHAR), '') AS r4
      FROM "CRM"."CONTACTS"
      WHERE (CAST("TS" AS TIMESTAMP) IS NULL OR CAST("TS" AS TIMESTAMP) >= CAST('2026-10-29 00:00:00' AS TIMESTAMP))
    ) r
  ) v
) s
) e;
-- rows whose count differs from the stored ones
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."CHANGED_CONTACTS" AS
SELECT COALESCE(n.row_hash, o.row_hash) AS row_hash, CASE WHEN o.c IS NULL THEN 0 ELSE 1 END AS stored
FROM (SELECT row_hash, COUNT(*) AS c FROM "IDENTITY_WORK"."WIN_CONTACTS" GROUP BY row_hash) n
FULL OUTER JOIN (
  SELECT row_hash, COUNT(*) AS c FROM "IDENTITY_STATE"."ROWS_CONTACTS" s WHERE (ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) GROUP BY row_hash
) o ON n.row_hash = o.row_hash
WHERE n.c IS NULL OR o.c IS NULL OR n.c <> o.c;
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."INS_CONTACTS" AS
SELECT * FROM "IDENTITY_WORK"."WIN_CONTACTS" WHERE row_hash IN (SELECT row_hash FROM "IDENTITY_WORK"."CHANGED_CONTACTS");
-- the stored rows that this run replaces
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."GONE_CONTACTS" AS
SELECT row_hash FROM "IDENTITY_WORK"."CHANGED_CONTACTS" WHERE stored = 1;
-- their identifiers
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."DEL_CONTACTS" AS
SELECT n1, v1, n2, v2, n3, v3, n4, v4, q1, q2, q3, q4 FROM "IDENTITY_STATE"."ROWS_CONTACTS" WHERE (ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) AND row_hash IN (SELECT row_hash FROM "IDENTITY_WORK"."GONE_CONTACTS");

-- append-only path, taken when this counts 0 after the extract stage:
SELECT 0 + (SELECT COUNT(*) FROM "IDENTITY_WORK"."GONE_CONTACTS") AS n;

-- idstitch plan: project normalizers, warehouse snowflake, components by contraction
-- The runner also records each run in the runs table; that bookkeeping is not part of this script, and run_id is 0 in what it writes.
