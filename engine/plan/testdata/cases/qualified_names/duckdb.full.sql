-- idstitch plan: project qualified, warehouse duckdb, components by contraction
-- The runner also records each run in the runs table; that bookkeeping is not part of this script, and run_id is 0 in what it writes.

-- ===== stage extract: per source: each row's identifiers, normalized and checked, with their node ids
-- source events (raw_db.web.events), kept as the rows read so far
CREATE OR REPLACE TABLE "identity_state"."rows_events__next" AS
SELECT e.*, CAST(CAST(hash(ts, v1, q1) AS HUGEINT) - 9223372036854775808 AS BIGINT) AS row_hash
FROM (
SELECT
  ts,
  v1,
  q1,
  CASE WHEN v1 IS NULL OR q1 IS NOT NULL THEN NULL ELSE CAST(CAST(hash('email', v1) AS HUGEINT) - 9223372036854775808 AS BIGINT) END AS n1
FROM (
  SELECT
    ts,
    v1,
    CAST(NULL AS VARCHAR) AS q1
  FROM (
    SELECT
      ts,
      NULLIF(r1, '') AS v1
    FROM (
      SELECT
        CAST("ts" AS TIMESTAMP) AS ts,
        NULLIF(CAST("email" AS VARCHAR), '') AS r1
      FROM "raw_db"."web"."events"
    ) r
  ) v
) s
) e;
-- source customers (CRM_DB.Sales.Customers), kept as the rows read so far
CREATE OR REPLACE TABLE "identity_state"."rows_customers__next" AS
SELECT e.*, CAST(CAST(hash(ts, v1, q1, v2, q2) AS HUGEINT) - 9223372036854775808 AS BIGINT) AS row_hash
FROM (
SELECT
  ts,
  v1,
  q1,
  CASE WHEN v1 IS NULL OR q1 IS NOT NULL THEN NULL ELSE CAST(CAST(hash('email', v1) AS HUGEINT) - 9223372036854775808 AS BIGINT) END AS n1,
  v2,
  q2,
  CASE WHEN v2 IS NULL OR q2 IS NOT NULL THEN NULL ELSE CAST(CAST(hash('user_id', v2) AS HUGEINT) - 9223372036854775808 AS BIGINT) END AS n2
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
        CAST("updated_at" AS TIMESTAMP) AS ts,
        NULLIF(CAST("email" AS VARCHAR), '') AS r1,
        NULLIF(CAST("customer_id" AS VARCHAR), '') AS r2
      FROM "CRM_DB"."Sales"."Customers"
    ) r
  ) v
) s
) e;
