-- idstitch plan: project no_timestamp, warehouse snowflake, components by contraction
-- The runner also records each run in the runs table; that bookkeeping is not part of this script, and run_id is 0 in what it writes.

-- ===== stage extract: per source: each row's identifiers, normalized and checked, with their node ids
-- source crm (crm.customers), kept as the rows read so far
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_STATE"."ROWS_CRM__NEXT" AS
SELECT e.*, HASH(COALESCE(CAST(ts AS VARCHAR), '∅'), COALESCE(CAST(v1 AS VARCHAR), '∅'), COALESCE(CAST(q1 AS VARCHAR), '∅'), COALESCE(CAST(v2 AS VARCHAR), '∅'), COALESCE(CAST(q2 AS VARCHAR), '∅')) AS row_hash
FROM (
SELECT
  ts,
  v1,
  q1,
  CASE WHEN v1 IS NULL OR q1 IS NOT NULL THEN NULL ELSE HASH('customer_id', v1) END AS n1,
  v2,
  q2,
  CASE WHEN v2 IS NULL OR q2 IS NOT NULL THEN NULL ELSE HASH('email', v2) END AS n2
FROM (
  SELECT
    ts,
    v1,
    CAST(NULL AS VARCHAR) AS q1,
    v2,
    CAST(NULL AS VARCHAR) AS q2
  FROM (
    SELECT
      ts,
      NULLIF(r1, '') AS v1,
      NULLIF(r2, '') AS v2
    FROM (
      SELECT
        CAST(NULL AS TIMESTAMP) AS ts,
        NULLIF(CAST("ID" AS VARCHAR), '') AS r1,
        NULLIF(CAST("EMAIL" AS VARCHAR), '') AS r2
      FROM "CRM"."CUSTOMERS"
    ) r
  ) v
) s
) e;
