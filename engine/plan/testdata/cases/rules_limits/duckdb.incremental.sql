-- idstitch plan: project rules_limits, warehouse duckdb, components by contraction
-- The runner also records each run in the runs table; that bookkeeping is not part of this script, and run_id is 0 in what it writes.

-- ===== stage region: the identifiers the changed rows touch, the hub decisions they change, and the regions to recompute
-- identifiers on rows that are new, changed or gone
CREATE OR REPLACE TABLE "identity_work".main."touched" AS
SELECT DISTINCT node_id, id_type, id_value
FROM (
  SELECT n1 AS node_id, 'user_id' AS id_type, v1 AS id_value
  FROM "identity_work".main."ins_logins" WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 AS node_id, 'email' AS id_type, v2 AS id_value
  FROM "identity_work".main."ins_logins" WHERE n2 IS NOT NULL
  UNION ALL SELECT n1 AS node_id, 'user_id' AS id_type, v1 AS id_value
  FROM "identity_work".main."del_logins" WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 AS node_id, 'email' AS id_type, v2 AS id_value
  FROM "identity_work".main."del_logins" WHERE n2 IS NOT NULL
) t;
DROP TABLE IF EXISTS "identity_work".main."del_logins";
-- invalid and blocked values, counted over all rows
CREATE OR REPLACE TABLE "identity_work".main."qvalues_new" AS
SELECT CAST(NULL AS VARCHAR) AS id_type, CAST(NULL AS VARCHAR) AS id_value, CAST(NULL AS VARCHAR) AS reason, CAST(NULL AS BIGINT) AS evidence WHERE 1 = 0;
-- touched identifiers, the partners of those whose hub decision flipped, and the regions a changed limit can split
CREATE OR REPLACE TABLE "identity_work".main."seeds" AS
SELECT DISTINCT node_id FROM (
  SELECT node_id FROM "identity_work".main."touched"
  UNION ALL SELECT node_id FROM "identity_state"."regions" WHERE region IN (SELECT region FROM "identity_state"."regions" WHERE id_type = 'user_id' GROUP BY region HAVING COUNT(*) > 1)
  UNION ALL SELECT node_id FROM "identity_state"."regions" WHERE region IN (SELECT region FROM "identity_state"."regions" WHERE id_type = 'email' GROUP BY region HAVING COUNT(*) > 2)
) s;
-- every identifier of the regions the seeds are in
CREATE OR REPLACE TABLE "identity_work".main."rnodes" AS
SELECT DISTINCT node_id FROM (
  SELECT node_id FROM "identity_state"."regions"
  WHERE region IN (
    SELECT r.region FROM "identity_state"."regions" r JOIN "identity_work".main."seeds" s ON r.node_id = s.node_id
  )
  UNION ALL
  SELECT node_id FROM "identity_work".main."seeds"
) n;
DROP TABLE IF EXISTS "identity_work".main."seeds";
-- the value of every identifier on the rows of those regions
CREATE OR REPLACE TABLE "identity_work".main."names" AS
SELECT DISTINCT node_id, id_value FROM (
  SELECT node_id, id_value FROM "identity"."id_graph"
  WHERE node_id IN (SELECT node_id FROM "identity_work".main."rnodes")
  UNION ALL
  SELECT CAST(CAST(hash(id_type, id_value) AS HUGEINT) - 9223372036854775808 AS BIGINT) AS node_id, id_value FROM "identity"."id_quarantine"
  WHERE reason IN ('limit_conflict', 'anonymous_isolated')
  UNION ALL
  SELECT node_id, id_value FROM "identity_work".main."touched"
) n;
-- rows of logins in those regions
CREATE OR REPLACE TABLE "identity_work".main."src_logins" AS
-- The stored rows that hold one of the identifiers, less those this run replaces, and the new
-- rows that hold one: filtering by identifier first keeps the costlier test to few rows.
SELECT ts, row_hash, n1, n2 FROM (
  SELECT * FROM "identity_state"."rows_logins" s WHERE s.n1 IN (SELECT node_id FROM "identity_work".main."rnodes") OR s.n2 IN (SELECT node_id FROM "identity_work".main."rnodes")
) s
WHERE NOT ((ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) AND s.row_hash IN (SELECT row_hash FROM "identity_work".main."gone_logins"))
UNION ALL
SELECT ts, row_hash, n1, n2 FROM "identity_work".main."ins_logins" s WHERE s.n1 IN (SELECT node_id FROM "identity_work".main."rnodes") OR s.n2 IN (SELECT node_id FROM "identity_work".main."rnodes");
DROP TABLE IF EXISTS "identity_work".main."rnodes";
