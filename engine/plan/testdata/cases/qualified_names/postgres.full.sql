-- idstitch plan: project qualified, warehouse postgres, components by contraction
-- The runner also records each run in the runs table; that bookkeeping is not part of this script, and run_id is 0 in what it writes.

-- ===== stage extract: per source: each row's identifiers, normalized and checked, with their node ids
-- source events (raw_db.web.events), kept as the rows read so far
DROP TABLE IF EXISTS "identity_state"."rows_events__next";
CREATE TABLE "identity_state"."rows_events__next" AS
SELECT e.*, hashtextextended(concat_ws(chr(31), COALESCE(CAST(ts AS TEXT), '∅'), COALESCE(CAST(v1 AS TEXT), '∅'), COALESCE(CAST(q1 AS TEXT), '∅')), 0) AS row_hash
FROM (
SELECT
  ts,
  v1,
  q1,
  CASE WHEN v1 IS NULL OR q1 IS NOT NULL THEN NULL ELSE hashtextextended(concat_ws(chr(31), 'email', v1), 0) END AS n1
FROM (
  SELECT
    ts,
    v1,
    CAST(NULL AS TEXT) AS q1
  FROM (
    SELECT
      ts,
      NULLIF(r1, '') AS v1
    FROM (
      SELECT
        CAST("ts" AS TIMESTAMP) AS ts,
        NULLIF(CAST("email" AS TEXT), '') AS r1
      FROM "raw_db"."web"."events"
    ) r
  ) v
) s
) e;
ANALYZE "identity_state"."rows_events__next";
-- source customers (CRM_DB.Sales.Customers), kept as the rows read so far
DROP TABLE IF EXISTS "identity_state"."rows_customers__next";
CREATE TABLE "identity_state"."rows_customers__next" AS
SELECT e.*, hashtextextended(concat_ws(chr(31), COALESCE(CAST(ts AS TEXT), '∅'), COALESCE(CAST(v1 AS TEXT), '∅'), COALESCE(CAST(q1 AS TEXT), '∅'), COALESCE(CAST(v2 AS TEXT), '∅'), COALESCE(CAST(q2 AS TEXT), '∅')), 0) AS row_hash
FROM (
SELECT
  ts,
  v1,
  q1,
  CASE WHEN v1 IS NULL OR q1 IS NOT NULL THEN NULL ELSE hashtextextended(concat_ws(chr(31), 'email', v1), 0) END AS n1,
  v2,
  q2,
  CASE WHEN v2 IS NULL OR q2 IS NOT NULL THEN NULL ELSE hashtextextended(concat_ws(chr(31), 'user_id', v2), 0) END AS n2
FROM (
  SELECT
    ts,
    v1,
    CAST(NULL AS TEXT) AS q1,
    v2,
    CAST(NULL AS TEXT) AS q2
  FROM (
    SELECT
      ts,
      NULLIF(r1, '') AS v1,
      NULLIF(r2, '') AS v2
    FROM (
      SELECT
        CAST("updated_at" AS TIMESTAMP) AS ts,
        NULLIF(CAST("email" AS TEXT), '') AS r1,
        NULLIF(CAST("customer_id" AS TEXT), '') AS r2
      FROM "CRM_DB"."Sales"."Customers"
    ) r
  ) v
) s
) e;
ANALYZE "identity_state"."rows_customers__next";
