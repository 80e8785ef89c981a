-- idstitch plan: project labelprop, warehouse duckdb, components by labelprop
-- The runner also records each run in the runs table; that bookkeeping is not part of this script, and run_id is 0 in what it writes.

-- ===== stage components: connected components by label propagation (benchmark baseline)
-- the graph's edges
CREATE OR REPLACE TABLE "identity_work".main."cc_lp_edges" AS
SELECT e.a, e.b FROM "identity_work".main."edges" e;
-- every node starts with its own label
CREATE OR REPLACE TABLE "identity_work".main."cc_lp_0" AS
SELECT v, v AS label FROM (
  SELECT a AS v FROM "identity_work".main."cc_lp_edges"
  UNION SELECT b AS v FROM "identity_work".main."cc_lp_edges"
) n;

-- rounds 1 to 2; the runner stops when the count below reaches 0 (labels changed)
-- round 1
CREATE OR REPLACE TABLE "identity_work".main."cc_lp_1" AS
SELECT v, MIN(label) AS label
FROM (
  SELECT v, label FROM "identity_work".main."cc_lp_0"
  UNION ALL SELECT e.a AS v, l.label FROM "identity_work".main."cc_lp_edges" e JOIN "identity_work".main."cc_lp_0" l ON e.b = l.v
  UNION ALL SELECT e.b AS v, l.label FROM "identity_work".main."cc_lp_edges" e JOIN "identity_work".main."cc_lp_0" l ON e.a = l.v
) c
GROUP BY v;
-- round 2
CREATE OR REPLACE TABLE "identity_work".main."cc_lp_2" AS
SELECT v, MIN(label) AS label
FROM (
  SELECT v, label FROM "identity_work".main."cc_lp_1"
  UNION ALL SELECT e.a AS v, l.label FROM "identity_work".main."cc_lp_edges" e JOIN "identity_work".main."cc_lp_1" l ON e.b = l.v
  UNION ALL SELECT e.b AS v, l.label FROM "identity_work".main."cc_lp_edges" e JOIN "identity_work".main."cc_lp_1" l ON e.a = l.v
) c
GROUP BY v;
DROP TABLE IF EXISTS "identity_work".main."cc_lp_0";
-- 2 rounds must have been enough
-- check: this count must be 0, else: the loop did not finish in the unrolled rounds; compile with more --rounds
SELECT COUNT(*) FROM "identity_work".main."cc_lp_2" c JOIN "identity_work".main."cc_lp_1" p ON c.v = p.v WHERE c.label <> p.label;
CREATE OR REPLACE TABLE "identity_work".main."labels" AS
SELECT v AS node_id, label AS component FROM "identity_work".main."cc_lp_2";
DROP TABLE IF EXISTS "identity_work".main."cc_lp_edges";
DROP TABLE IF EXISTS "identity_work".main."cc_lp_1";
DROP TABLE IF EXISTS "identity_work".main."cc_lp_2";
