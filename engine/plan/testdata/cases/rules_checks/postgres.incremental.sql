-- idstitch plan: project rules_checks, warehouse postgres, components by contraction
-- The runner also records each run in the runs table; that bookkeeping is not part of this script, and run_id is 0 in what it writes.

-- ===== stage extract: per source: the rows from the watermark less the lookback, and which of them are new or changed
-- source signups (signups): the rows read again
DROP TABLE IF EXISTS "identity_work"."win_signups";
CREATE UNLOGGED TABLE "identity_work"."win_signups" AS
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
    CASE WHEN v1 IS NULL THEN NULL WHEN NOT (v1 ~ '^[^[:space:]@]+@[^[:space:]@]+$') THEN 'invalid' END AS q1,
    v2,
    CAST(NULL AS TEXT) AS q2
  FROM (
    SELECT
      ts,
      NULLIF(r1, '') AS v1,
      NULLIF(r2, '') AS v2
    FROM (
      SELECT
        CAST("ts" AS TIMESTAMP) AS ts,
        NULLIF(CAST("email" AS TEXT), '') AS r1,
        NULLIF(CAST("user_id" AS TEXT), '') AS r2
      FROM "signups"
      WHERE (CAST("ts" AS TIMESTAMP) IS NULL OR CAST("ts" AS TIMESTAMP) >= CAST('2026-10-29 00:00:00' AS TIMESTAMP))
    ) r
  ) v
) s
) e
UNION ALL
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
    CASE WHEN v1 IS NULL THEN NULL WHEN NOT (v1 ~ '^[^[:space:]@]+@[^[:space:]@]+$') THEN 'invalid' END AS q1,
    v2,
    CAST(NULL AS TEXT) AS q2
  FROM (
    SELECT ts, v1, v2
    FROM "identity_state"."rows_signups"
    WHERE NOT (ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP))
  ) v
) s
) e;
ANALYZE "identity_work"."win_signups";
-- rows whose count differs from the stored ones
DROP TABLE IF EXISTS "identity_work"."changed_signups";
CREATE UNLOGGED TABLE "identity_work"."changed_signups" AS
SELECT COALESCE(n.row_hash, o.row_hash) AS row_hash, CASE WHEN o.c IS NULL THEN 0 ELSE 1 END AS stored
FROM (SELECT row_hash, COUNT(*) AS c FROM "identity_work"."win_signups" GROUP BY row_hash) n
FULL OUTER JOIN (
  SELECT row_hash, COUNT(*) AS c FROM "identity_state"."rows_signups" s WHERE 1 = 1 GROUP BY row_hash
) o ON n.row_hash = o.row_hash
WHERE n.c IS NULL OR o.c IS NULL OR n.c <> o.c;
ANALYZE "identity_work"."changed_signups";
DROP TABLE IF EXISTS "identity_work"."ins_signups";
CREATE UNLOGGED TABLE "identity_work"."ins_signups" AS
SELECT * FROM "identity_work"."win_signups" WHERE row_hash IN (SELECT row_hash FROM "identity_work"."changed_signups");
ANALYZE "identity_work"."ins_signups";
-- the stored rows that this run replaces
DROP TABLE IF EXISTS "identity_work"."gone_signups";
CREATE UNLOGGED TABLE "identity_work"."gone_signups" AS
SELECT row_hash FROM "identity_work"."changed_signups" WHERE stored = 1;
ANALYZE "identity_work"."gone_signups";
DROP TABLE IF EXISTS "identity_work"."changed_signups";
-- their identifiers
DROP TABLE IF EXISTS "identity_work"."del_signups";
CREATE UNLOGGED TABLE "identity_work"."del_signups" AS
SELECT n1, v1, n2, v2, q1, q2 FROM "identity_state"."rows_signups" WHERE 1 = 1 AND row_hash IN (SELECT row_hash FROM "identity_work"."gone_signups");
ANALYZE "identity_work"."del_signups";

-- ===== stage region: the identifiers the changed rows touch, the hub decisions they change, and the regions to recompute
-- identifiers on rows that are new, changed or gone
DROP TABLE IF EXISTS "identity_work"."touched";
CREATE UNLOGGED TABLE "identity_work"."touched" AS
SELECT DISTINCT node_id, id_type, id_value
FROM (
  SELECT n1 AS node_id, 'email' AS id_type, v1 AS id_value
  FROM "identity_work"."ins_signups" WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 AS node_id, 'user_id' AS id_type, v2 AS id_value
  FROM "identity_work"."ins_signups" WHERE n2 IS NOT NULL
  UNION ALL SELECT n1 AS node_id, 'email' AS id_type, v1 AS id_value
  FROM "identity_work"."del_signups" WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 AS node_id, 'user_id' AS id_type, v2 AS id_value
  FROM "identity_work"."del_signups" WHERE n2 IS NOT NULL
) t;
ANALYZE "identity_work"."touched";
-- invalid and blocked values, counted over all rows
DROP TABLE IF EXISTS "identity_work"."qvalues_new";
CREATE UNLOGGED TABLE "identity_work"."qvalues_new" AS
SELECT id_type, id_value, reason, CAST(SUM(evidence) AS BIGINT) AS evidence
FROM (
  SELECT id_type, id_value, reason, evidence FROM "identity_state"."qvalues"
  UNION ALL SELECT id_type, id_value, reason, evidence FROM (SELECT id_type, id_value, reason, COUNT(*) AS evidence
FROM (
  SELECT 'email' AS id_type, v1 AS id_value, q1 AS reason
  FROM "identity_work"."ins_signups" WHERE q1 IS NOT NULL
) q
GROUP BY id_type, id_value, reason) p1
  UNION ALL SELECT id_type, id_value, reason, -evidence FROM (SELECT id_type, id_value, reason, COUNT(*) AS evidence
FROM (
  SELECT 'email' AS id_type, v1 AS id_value, q1 AS reason
  FROM "identity_work"."del_signups" WHERE q1 IS NOT NULL
) q
GROUP BY id_type, id_value, reason) p2
) q
GROUP BY id_type, id_value, reason
HAVING SUM(evidence) > 0;
ANALYZE "identity_work"."qvalues_new";
DROP TABLE IF EXISTS "identity_work"."del_signups";
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
-- rows of signups in those regions
DROP TABLE IF EXISTS "identity_work"."src_signups";
CREATE UNLOGGED TABLE "identity_work"."src_signups" AS
-- The stored rows that hold one of the identifiers, less those this run replaces, and the new
-- rows that hold one: filtering by identifier first keeps the costlier test to few rows.
SELECT ts, row_hash, n1, n2 FROM (
  SELECT * FROM "identity_state"."rows_signups" s WHERE s.n1 IN (SELECT node_id FROM "identity_work"."rnodes") OR s.n2 IN (SELECT node_id FROM "identity_work"."rnodes")
) s
WHERE NOT (1 = 1 AND s.row_hash IN (SELECT row_hash FROM "identity_work"."gone_signups"))
UNION ALL
SELECT ts, row_hash, n1, n2 FROM "identity_work"."ins_signups" s WHERE s.n1 IN (SELECT node_id FROM "identity_work"."rnodes") OR s.n2 IN (SELECT node_id FROM "identity_work"."rnodes");
ANALYZE "identity_work"."src_signups";
DROP TABLE IF EXISTS "identity_work"."rnodes";
