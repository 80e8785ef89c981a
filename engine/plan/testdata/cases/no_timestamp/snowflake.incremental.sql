-- idstitch plan: project no_timestamp, warehouse snowflake, components by contraction
-- The runner also records each run in the runs table; that bookkeeping is not part of this script, and run_id is 0 in what it writes.

-- ===== stage extract: per source: the rows from the watermark less the lookback, and which of them are new or changed
-- source crm (crm.customers): the rows read again
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."WIN_CRM" AS
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
-- rows whose count differs from the stored ones
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."CHANGED_CRM" AS
SELECT COALESCE(n.row_hash, o.row_hash) AS row_hash, CASE WHEN o.c IS NULL THEN 0 ELSE 1 END AS stored
FROM (SELECT row_hash, COUNT(*) AS c FROM "IDENTITY_WORK"."WIN_CRM" GROUP BY row_hash) n
FULL OUTER JOIN (
  SELECT row_hash, COUNT(*) AS c FROM "IDENTITY_STATE"."ROWS_CRM" s WHERE 1 = 1 GROUP BY row_hash
) o ON n.row_hash = o.row_hash
WHERE n.c IS NULL OR o.c IS NULL OR n.c <> o.c;
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."INS_CRM" AS
SELECT * FROM "IDENTITY_WORK"."WIN_CRM" WHERE row_hash IN (SELECT row_hash FROM "IDENTITY_WORK"."CHANGED_CRM");
-- the stored rows that this run replaces
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."GONE_CRM" AS
SELECT row_hash FROM "IDENTITY_WORK"."CHANGED_CRM" WHERE stored = 1;
-- their identifiers
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."DEL_CRM" AS
SELECT n1, v1, n2, v2, q1, q2 FROM "IDENTITY_STATE"."ROWS_CRM" WHERE 1 = 1 AND row_hash IN (SELECT row_hash FROM "IDENTITY_WORK"."GONE_CRM");

-- ===== stage region: the identifiers the changed rows touch, the hub decisions they change, and the regions to recompute
-- identifiers on rows that are new, changed or gone
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."TOUCHED" AS
SELECT DISTINCT node_id, id_type, id_value
FROM (
  SELECT n1 AS node_id, 'customer_id' AS id_type, v1 AS id_value
  FROM "IDENTITY_WORK"."INS_CRM" WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 AS node_id, 'email' AS id_type, v2 AS id_value
  FROM "IDENTITY_WORK"."INS_CRM" WHERE n2 IS NOT NULL
  UNION ALL SELECT n1 AS node_id, 'customer_id' AS id_type, v1 AS id_value
  FROM "IDENTITY_WORK"."DEL_CRM" WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 AS node_id, 'email' AS id_type, v2 AS id_value
  FROM "IDENTITY_WORK"."DEL_CRM" WHERE n2 IS NOT NULL
) t;
-- invalid and blocked values, counted over all rows
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."QVALUES_NEW" AS
SELECT CAST(NULL AS VARCHAR) AS id_type, CAST(NULL AS VARCHAR) AS id_value, CAST(NULL AS VARCHAR) AS reason, CAST(NULL AS BIGINT) AS evidence WHERE 1 = 0;
-- touched identifiers, the partners of those whose hub decision flipped, and the regions a changed limit can split
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."SEEDS" AS
SELECT DISTINCT node_id FROM (
  SELECT node_id FROM "IDENTITY_WORK"."TOUCHED"
) s;
-- every identifier of the regions the seeds are in
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."RNODES" AS
SELECT DISTINCT node_id FROM (
  SELECT node_id FROM "IDENTITY_STATE"."REGIONS"
  WHERE region IN (
    SELECT r.region FROM "IDENTITY_STATE"."REGIONS" r JOIN "IDENTITY_WORK"."SEEDS" s ON r.node_id = s.node_id
  )
  UNION ALL
  SELECT node_id FROM "IDENTITY_WORK"."SEEDS"
) n;
-- the value of every identifier on the rows of those regions
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."NAMES" AS
SELECT DISTINCT node_id, id_value FROM (
  SELECT node_id, id_value FROM "IDENTITY"."ID_GRAPH"
  WHERE node_id IN (SELECT node_id FROM "IDENTITY_WORK"."RNODES")
  UNION ALL
  SELECT HASH(id_type, id_value) AS node_id, id_value FROM "IDENTITY"."ID_QUARANTINE"
  WHERE reason IN ('limit_conflict', 'anonymous_isolated')
  UNION ALL
  SELECT node_id, id_value FROM "IDENTITY_WORK"."TOUCHED"
) n;
-- rows of crm in those regions
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."SRC_CRM" AS
-- The stored rows that hold one of the identifiers, less those this run replaces, and the new
-- rows that hold one: filtering by identifier first keeps the costlier test to few rows.
SELECT ts, row_hash, n1, n2 FROM (
  SELECT * FROM "IDENTITY_STATE"."ROWS_CRM" s WHERE s.n1 IN (SELECT node_id FROM "IDENTITY_WORK"."RNODES") OR s.n2 IN (SELECT node_id FROM "IDENTITY_WORK"."RNODES")
) s
WHERE NOT (1 = 1 AND s.row_hash IN (SELECT row_hash FROM "IDENTITY_WORK"."GONE_CRM"))
UNION ALL
SELECT ts, row_hash, n1, n2 FROM "IDENTITY_WORK"."INS_CRM" s WHERE s.n1 IN (SELECT node_id FROM "IDENTITY_WORK"."RNODES") OR s.n2 IN (SELECT node_id FROM "IDENTITY_WORK"."RNODES");

-- append-only path, taken when this counts 0 after the extract stage:
SELECT 0 + (SELECT COUNT(*) FROM "IDENTITY_WORK"."GONE_CRM") AS n;

-- idstitch plan: project no_timestamp, warehouse snowflake, components by contraction
-- The runner also records each run in the runs table; that bookkeeping is not part of this script, and run_id is 0 in what it writes.
