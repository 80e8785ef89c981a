-- idstitch plan: project labelprop, warehouse snowflake, components by labelprop
-- The runner also records each run in the runs table; that bookkeeping is not part of this script, and run_id is 0 in what it writes.

-- ===== stage components: connected components by label propagation (benchmark baseline)
-- the graph's edges
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."CC_LP_EDGES" AS
SELECT e.a, e.b FROM "IDENTITY_WORK"."EDGES" e;
-- every node starts with its own label
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."CC_LP_0" AS
SELECT v, v AS label FROM (
  SELECT a AS v FROM "IDENTITY_WORK"."CC_LP_EDGES"
  UNION SELECT b AS v FROM "IDENTITY_WORK"."CC_LP_EDGES"
) n;

-- rounds 1 to 2; the runner stops when the count below reaches 0 (labels changed)
-- round 1
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."CC_LP_1" AS
SELECT v, MIN(label) AS label
FROM (
  SELECT v, label FROM "IDENTITY_WORK"."CC_LP_0"
  UNION ALL SELECT e.a AS v, l.label FROM "IDENTITY_WORK"."CC_LP_EDGES" e JOIN "IDENTITY_WORK"."CC_LP_0" l ON e.b = l.v
  UNION ALL SELECT e.b AS v, l.label FROM "IDENTITY_WORK"."CC_LP_EDGES" e JOIN "IDENTITY_WORK"."CC_LP_0" l ON e.a = l.v
) c
GROUP BY v;
-- round 2
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."CC_LP_2" AS
SELECT v, MIN(label) AS label
FROM (
  SELECT v, label FROM "IDENTITY_WORK"."CC_LP_1"
  UNION ALL SELECT e.a AS v, l.label FROM "IDENTITY_WORK"."CC_LP_EDGES" e JOIN "IDENTITY_WORK"."CC_LP_1" l ON e.b = l.v
  UNION ALL SELECT e.b AS v, l.label FROM "IDENTITY_WORK"."CC_LP_EDGES" e JOIN "IDENTITY_WORK"."CC_LP_1" l ON e.a = l.v
) c
GROUP BY v;
DROP TABLE IF EXISTS "IDENTITY_WORK"."CC_LP_0";
-- 2 rounds must have been enough
-- check: this count must be 0, else: the loop did not finish in the unrolled rounds; compile with more --rounds
SELECT COUNT(*) FROM "IDENTITY_WORK"."CC_LP_2" c JOIN "IDENTITY_WORK"."CC_LP_1" p ON c.v = p.v WHERE c.label <> p.label;
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."LABELS" AS
SELECT v AS node_id, label AS component FROM "IDENTITY_WORK"."CC_LP_2";
DROP TABLE IF EXISTS "IDENTITY_WORK"."CC_LP_EDGES";
DROP TABLE IF EXISTS "IDENTITY_WORK"."CC_LP_1";
DROP TABLE IF EXISTS "IDENTITY_WORK"."CC_LP_2";
