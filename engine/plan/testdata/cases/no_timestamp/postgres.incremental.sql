-- idstitch plan: project no_timestamp, warehouse postgres, components by contraction
-- The runner also records each run in the runs table; that bookkeeping is not part of this script, and run_id is 0 in what it writes.

-- ===== stage extract: per source: the rows from the watermark less the lookback, and which of them are new or changed
-- source crm (crm.customers): the rows read again
DROP TABLE IF EXISTS "identity_work"."win_crm";
CREATE UNLOGGED TABLE "identity_work"."win_crm" AS
SELECT e.*, hashtextextended(concat_ws(chr(31), COALESCE(CAST(ts AS TEXT), '∅'), COALESCE(CAST(v1 AS TEXT), '∅'), COALESCE(CAST(q1 AS TEXT), '∅'), COALESCE(CAST(v2 AS TEXT), '∅'), COALESCE(CAST(q2 AS TEXT), '∅')), 0) AS row_hash
FROM (
SELECT
  ts,
  v1,
  q1,
  CASE WHEN v1 IS NULL OR q1 IS NOT NULL THEN NULL ELSE hashtextextended(concat_ws(chr(31), 'customer_id', v1), 0) END AS n1,
  v2,
  q2,
  CASE WHEN v2 IS NULL OR q2 IS NOT NULL THEN NULL ELSE hashtextextended(concat_ws(chr(31), 'email', v2), 0) END AS n2
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
        CAST(NULL AS TIMESTAMP) AS ts,
        NULLIF(CAST("id" AS TEXT), '') AS r1,
        NULLIF(CAST("email" AS TEXT), '') AS r2
      FROM "crm"."customers"
    ) r
  ) v
) s
) e;
ANALYZE "identity_work"."win_crm";
-- rows whose count differs from the stored ones
DROP TABLE IF EXISTS "identity_work"."changed_crm";
CREATE UNLOGGED TABLE "identity_work"."changed_crm" AS
SELECT COALESCE(n.row_hash, o.row_hash) AS row_hash, CASE WHEN o.c IS NULL THEN 0 ELSE 1 END AS stored
FROM (SELECT row_hash, COUNT(*) AS c FROM "identity_work"."win_crm" GROUP BY row_hash) n
FULL OUTER JOIN (
  SELECT row_hash, COUNT(*) AS c FROM "identity_state"."rows_crm" s WHERE 1 = 1 GROUP BY row_hash
) o ON n.row_hash = o.row_hash
WHERE n.c IS NULL OR o.c IS NULL OR n.c <> o.c;
ANALYZE "identity_work"."changed_crm";
DROP TABLE IF EXISTS "identity_work"."ins_crm";
CREATE UNLOGGED TABLE "identity_work"."ins_crm" AS
SELECT * FROM "identity_work"."win_crm" WHERE row_hash IN (SELECT row_hash FROM "identity_work"."changed_crm");
ANALYZE "identity_work"."ins_crm";
-- the stored rows that this run replaces
DROP TABLE IF EXISTS "identity_work"."gone_crm";
CREATE UNLOGGED TABLE "identity_work"."gone_crm" AS
SELECT row_hash FROM "identity_work"."changed_crm" WHERE stored = 1;
ANALYZE "identity_work"."gone_crm";
DROP TABLE IF EXISTS "identity_work"."changed_crm";
-- their identifiers
DROP TABLE IF EXISTS "identity_work"."del_crm";
CREATE UNLOGGED TABLE "identity_work"."del_crm" AS
SELECT n1, v1, n2, v2, q1, q2 FROM "identity_state"."rows_crm" WHERE 1 = 1 AND row_hash IN (SELECT row_hash FROM "identity_work"."gone_crm");
ANALYZE "identity_work"."del_crm";

-- ===== stage region: the identifiers the changed rows touch, the hub decisions they change, and the regions to recompute
-- identifiers on rows that are new, changed or gone
DROP TABLE IF EXISTS "identity_work"."touched";
CREATE UNLOGGED TABLE "identity_work"."touched" AS
SELECT DISTINCT node_id, id_type, id_value
FROM (
  SELECT n1 AS node_id, 'customer_id' AS id_type, v1 AS id_value
  FROM "identity_work"."ins_crm" WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 AS node_id, 'email' AS id_type, v2 AS id_value
  FROM "identity_work"."ins_crm" WHERE n2 IS NOT NULL
  UNION ALL SELECT n1 AS node_id, 'customer_id' AS id_type, v1 AS id_value
  FROM "identity_work"."del_crm" WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 AS node_id, 'email' AS id_type, v2 AS id_value
  FROM "identity_work"."del_crm" WHERE n2 IS NOT NULL
) t;
ANALYZE "identity_work"."touched";
DROP TABLE IF EXISTS "identity_work"."del_crm";
-- invalid and blocked values, counted over all rows
DROP TABLE IF EXISTS "identity_work"."qvalues_new";
CREATE UNLOGGED TABLE "identity_work"."qvalues_new" AS
SELECT CAST(NULL AS TEXT) AS id_type, CAST(NULL AS TEXT) AS id_value, CAST(NULL AS TEXT) AS reason, CAST(NULL AS BIGINT) AS evidence WHERE 1 = 0;
ANALYZE "identity_work"."qvalues_new";
-- touched identifiers, the partners of those whose hub decision flipped, and the regions a changed limit can split
DROP TABLE IF EXISTS "identity_work"."seeds";
CREATE UNLOGGED TABLE "identity_work"."seeds" AS
SELECT DISTINCT node_id FROM (
  SELECT node_id FROM "identity_work"."touched"
) s;
ANALYZE "identity_work"."seeds";
-- every identifier of the regions the seeds are in
DROP TABLE IF EXISTS "identity_work"."rnodes";
CREATE UNLOGGED TABLE "identity_work"."rnodes" AS
SELECT DISTINCT node_id FROM (
  SELECT node_id FROM "identity_state"."regions"
  WHERE region IN (
    SELECT r.region FROM "identity_state"."regions" r JOIN "identity_work"."seeds" s ON r.node_id = s.node_id
  )
  UNION ALL
  SELECT node_id FROM "identity_work"."seeds"
) n;
ANALYZE "identity_work"."rnodes";
DROP TABLE IF EXISTS "identity_work"."seeds";
-- the value of every identifier on the rows of those regions
DROP TABLE IF EXISTS "identity_work"."names";
CREATE UNLOGGED TABLE "identity_work"."names" AS
SELECT DISTINCT node_id, id_value FROM (
  SELECT node_id, id_value FROM "identity"."id_graph"
  WHERE node_id IN (SELECT node_id FROM "identity_work"."rnodes")
  UNION ALL
  SELECT hashtextextended(concat_ws(chr(31), id_type, id_value), 0) AS node_id, id_value FROM "identity"."id_quarantine"
  WHERE reason IN ('limit_conflict', 'anonymous_isolated')
  UNION ALL
  SELECT node_id, id_value FROM "identity_work"."touched"
) n;
ANALYZE "identity_work"."names";
-- rows of crm in those regions
DROP TABLE IF EXISTS "identity_work"."src_crm";
CREATE UNLOGGED TABLE "identity_work"."src_crm" AS
-- The stored rows that hold one of the identifiers, less those this run replaces, and the new
-- rows that hold one: filtering by identifier first keeps the costlier test to few rows.
SELECT ts, row_hash, n1, n2 FROM (
  SELECT * FROM "identity_state"."rows_crm" s WHERE s.n1 IN (SELECT node_id FROM "identity_work"."rnodes") OR s.n2 IN (SELECT node_id FROM "identity_work"."rnodes")
) s
WHERE NOT (1 = 1 AND s.row_hash IN (SELECT row_hash FROM "identity_work"."gone_crm"))
UNION ALL
SELECT ts, row_hash, n1, n2 FROM "identity_work"."ins_crm" s WHERE s.n1 IN (SELECT node_id FROM "identity_work"."rnodes") OR s.n2 IN (SELECT node_id FROM "identity_work"."rnodes");
ANALYZE "identity_work"."src_crm";
DROP TABLE IF EXISTS "identity_work"."rnodes";

-- append-only path, taken when this counts 0 after the extract stage:
SELECT 0 + (SELECT COUNT(*) FROM "identity_work"."gone_crm") AS n;

-- idstitch plan: project no_timestamp, warehouse postgres, components by contraction
-- The runner also records each run in the runs table; that bookkeeping is not part of this script, and run_id is 0 in what it writes.
