-- idstitch plan: project rules_limits, warehouse postgres, components by contraction
-- The runner also records each run in the runs table; that bookkeeping is not part of this script, and run_id is 0 in what it writes.

-- ===== stage region: the identifiers the changed rows touch, the hub decisions they change, and the regions to recompute
-- identifiers on rows that are new, changed or gone
DROP TABLE IF EXISTS "identity_work"."touched";
CREATE UNLOGGED TABLE "identity_work"."touched" AS
SELECT DISTINCT node_id, id_type, id_value
FROM (
  SELECT n1 AS node_id, 'user_id' AS id_type, v1 AS id_value
  FROM "identity_work"."ins_logins" WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 AS node_id, 'email' AS id_type, v2 AS id_value
  FROM "identity_work"."ins_logins" WHERE n2 IS NOT NULL
  UNION ALL SELECT n1 AS node_id, 'user_id' AS id_type, v1 AS id_value
  FROM "identity_work"."del_logins" WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 AS node_id, 'email' AS id_type, v2 AS id_value
  FROM "identity_work"."del_logins" WHERE n2 IS NOT NULL
) t;
ANALYZE "identity_work"."touched";
DROP TABLE IF EXISTS "identity_work"."del_logins";
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
  UNION ALL SELECT node_id FROM "identity_state"."regions" WHERE region IN (SELECT region FROM "identity_state"."regions" WHERE id_type = 'user_id' GROUP BY region HAVING COUNT(*) > 1)
  UNION ALL SELECT node_id FROM "identity_state"."regions" WHERE region IN (SELECT region FROM "identity_state"."regions" WHERE id_type = 'email' GROUP BY region HAVING COUNT(*) > 2)
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
-- rows of logins in those regions
DROP TABLE IF EXISTS "identity_work"."src_logins";
CREATE UNLOGGED TABLE "identity_work"."src_logins" AS
-- The stored rows that hold one of the identifiers, less those this run replaces, and the new
-- rows that hold one: filtering by identifier first keeps the costlier test to few rows.
SELECT ts, row_hash, n1, n2 FROM (
  SELECT * FROM "identity_state"."rows_logins" s WHERE s.n1 IN (SELECT node_id FROM "identity_work"."rnodes") OR s.n2 IN (SELECT node_id FROM "identity_work"."rnodes")
) s
WHERE NOT ((ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) AND s.row_hash IN (SELECT row_hash FROM "identity_work"."gone_logins"))
UNION ALL
SELECT ts, row_hash, n1, n2 FROM "identity_work"."ins_logins" s WHERE s.n1 IN (SELECT node_id FROM "identity_work"."rnodes") OR s.n2 IN (SELECT node_id FROM "identity_work"."rnodes");
ANALYZE "identity_work"."src_logins";
DROP TABLE IF EXISTS "identity_work"."rnodes";
