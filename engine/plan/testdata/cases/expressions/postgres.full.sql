-- idstitch plan: project expressions, warehouse postgres, components by contraction
-- The runner also records each run in the runs table; that bookkeeping is not part of this script, and run_id is 0 in what it writes.

-- ===== stage extract: per source: each row's identifiers, normalized and checked, with their node ids
-- source web (raw.web_events), kept as the rows read so far
DROP TABLE IF EXISTS "customer_360_state"."rows_web__next";
CREATE TABLE "customer_360_state"."rows_web__next" AS
SELECT e.*, hashtextextended(concat_ws(chr(31), COALESCE(CAST(ts AS TEXT), '∅'), COALESCE(CAST(v1 AS TEXT), '∅'), COALESCE(CAST(q1 AS TEXT), '∅'), COALESCE(CAST(v2 AS TEXT), '∅'), COALESCE(CAST(q2 AS TEXT), '∅'), COALESCE(CAST(v3 AS TEXT), '∅'), COALESCE(CAST(q3 AS TEXT), '∅'), COALESCE(CAST(v4 AS TEXT), '∅'), COALESCE(CAST(q4 AS TEXT), '∅'), COALESCE(CAST(v5 AS TEXT), '∅'), COALESCE(CAST(q5 AS TEXT), '∅')), 0) AS row_hash
FROM (
SELECT
  ts,
  v1,
  q1,
  CASE WHEN v1 IS NULL OR q1 IS NOT NULL THEN NULL ELSE hashtextextended(concat_ws(chr(31), 'user_id', v1), 0) END AS n1,
  v2,
  q2,
  CASE WHEN v2 IS NULL OR q2 IS NOT NULL THEN NULL ELSE hashtextextended(concat_ws(chr(31), 'email', v2), 0) END AS n2,
  v3,
  q3,
  CASE WHEN v3 IS NULL OR q3 IS NOT NULL THEN NULL ELSE hashtextextended(concat_ws(chr(31), 'email', v3), 0) END AS n3,
  v4,
  q4,
  CASE WHEN v4 IS NULL OR q4 IS NOT NULL THEN NULL ELSE hashtextextended(concat_ws(chr(31), 'email', v4), 0) END AS n4,
  v5,
  q5,
  CASE WHEN v5 IS NULL OR q5 IS NOT NULL THEN NULL ELSE hashtextextended(concat_ws(chr(31), 'anonymous_id', v5), 0) END AS n5
FROM (
  SELECT
    ts,
    v1,
    CAST(NULL AS TEXT) AS q1,
    v2,
    CAST(NULL AS TEXT) AS q2,
    v3,
    CAST(NULL AS TEXT) AS q3,
    v4,
    CAST(NULL AS TEXT) AS q4,
    v5,
    CAST(NULL AS TEXT) AS q5
  FROM (
    SELECT
      ts,
      NULLIF(r1, '') AS v1,
      NULLIF(r2, '') AS v2,
      NULLIF(r3, '') AS v3,
      NULLIF(r4, '') AS v4,
      NULLIF(r5, '') AS v5
    FROM (
      SELECT
        CAST("EventTime" AS TIMESTAMP) AS ts,
        NULLIF(CAST((lower(user_ref)) AS TEXT), '') AS r1,
        NULLIF(CAST("email" AS TEXT), '') AS r2,
        NULLIF(CAST("billing_email" AS TEXT), '') AS r3,
        NULLIF(CAST((coalesce(alt_email, '')) AS TEXT), '') AS r4,
        NULLIF(CAST("anonymousId" AS TEXT), '') AS r5
      FROM "raw"."web_events"
      WHERE (event_type <> 'test')
    ) r
  ) v
) s
) e;
ANALYZE "customer_360_state"."rows_web__next";

-- ===== stage edges: identifiers on one row are linked as a star from the row's first identifier
DROP TABLE IF EXISTS "customer_360_work"."edges";
CREATE UNLOGGED TABLE "customer_360_work"."edges" AS
SELECT a, b, row_count, first_seen_at, last_seen_at, SUBSTR(('' || CASE WHEN s0 = 1 THEN ',web' ELSE '' END), 2) AS sources
FROM (
  SELECT LEAST(a, b) AS a, GREATEST(a, b) AS b, CAST(COUNT(*) AS BIGINT) AS row_count,
    MIN(ts) AS first_seen_at, MAX(ts) AS last_seen_at, MAX(s0) AS s0
  FROM (
    SELECT COALESCE(n1, n2, n3, n4, n5) AS a, n2 AS b, ts, 1 AS s0
    FROM "customer_360_state"."rows_web__next" WHERE n2 IS NOT NULL AND n2 <> COALESCE(n1, n2, n3, n4, n5)
    UNION ALL SELECT COALESCE(n1, n2, n3, n4, n5) AS a, n3 AS b, ts, 1 AS s0
    FROM "customer_360_state"."rows_web__next" WHERE n3 IS NOT NULL AND n3 <> COALESCE(n1, n2, n3, n4, n5)
    UNION ALL SELECT COALESCE(n1, n2, n3, n4, n5) AS a, n4 AS b, ts, 1 AS s0
    FROM "customer_360_state"."rows_web__next" WHERE n4 IS NOT NULL AND n4 <> COALESCE(n1, n2, n3, n4, n5)
    UNION ALL SELECT COALESCE(n1, n2, n3, n4, n5) AS a, n5 AS b, ts, 1 AS s0
    FROM "customer_360_state"."rows_web__next" WHERE n5 IS NOT NULL AND n5 <> COALESCE(n1, n2, n3, n4, n5)
  ) e
  GROUP BY LEAST(a, b), GREATEST(a, b)
) g;
ANALYZE "customer_360_work"."edges";

-- ===== stage ids: one universal id per profile, from its anchor identifier
-- every identifier in the graph with its profile
DROP TABLE IF EXISTS "customer_360_work"."assign";
CREATE UNLOGGED TABLE "customer_360_work"."assign" AS
SELECT n.node_id, n.id_type, n.id_value, n.type_rank, n.first_seen_at, n.last_seen_at, n.row_count,
  COALESCE(l.component, n.node_id) AS component
FROM "customer_360_work"."nodes" n
LEFT JOIN "customer_360_work"."labels" l ON n.node_id = l.node_id;
ANALYZE "customer_360_work"."assign";
DROP TABLE IF EXISTS "customer_360_work"."labels";
DROP TABLE IF EXISTS "customer_360_work"."nodes";
-- anchor: earliest first_seen, then type priority, then value
DROP TABLE IF EXISTS "customer_360_work"."anchors";
CREATE UNLOGGED TABLE "customer_360_work"."anchors" AS
SELECT component, id_type AS anchor_type, id_value AS anchor_value,
  md5(('salt''with quote' || '|' || id_type || '|' || id_value)) AS universal_id
FROM (
  SELECT component, id_type, id_value,
    ROW_NUMBER() OVER (PARTITION BY component ORDER BY first_seen_at ASC NULLS LAST, type_rank, id_value COLLATE "C") AS pos
  FROM "customer_360_work"."assign"
) a
WHERE pos = 1;
ANALYZE "customer_360_work"."anchors";
-- every identifier with its universal id: the next id_graph
DROP TABLE IF EXISTS "customer_360"."id_graph__next";
CREATE TABLE "customer_360"."id_graph__next" AS
SELECT a.universal_id, n.id_type, n.id_value, n.first_seen_at, n.last_seen_at, n.row_count, n.node_id
FROM "customer_360_work"."assign" n
JOIN "customer_360_work"."anchors" a ON n.component = a.component;
ANALYZE "customer_360"."id_graph__next";
-- every identifier's region, quarantined ones too
DROP TABLE IF EXISTS "customer_360_state"."regions__next";
CREATE TABLE "customer_360_state"."regions__next" AS
SELECT node_id, component AS region, id_type
FROM "customer_360_work"."assign";
ANALYZE "customer_360_state"."regions__next";

-- ===== stage publish: swap the new tables in, all together
BEGIN;
DROP VIEW IF EXISTS "customer_360"."web_stitched";
UPDATE "customer_360"."audience_history" AS h
SET exited_at = CAST(LOCALTIMESTAMP AS TIMESTAMP)
WHERE h.exited_at IS NULL
  AND NOT EXISTS (
    SELECT 1 FROM "customer_360"."audience_members__next" n
    WHERE n.audience = h.audience AND n.universal_id = h.universal_id
  );
INSERT INTO "customer_360"."audience_history" (audience, universal_id, entered_at, exited_at, run_id)
SELECT n.audience, n.universal_id, n.entered_at, CAST(NULL AS TIMESTAMP), CAST(0 AS BIGINT)
FROM "customer_360"."audience_members__next" n
WHERE NOT EXISTS (
  SELECT 1 FROM "customer_360"."audience_history" h
  WHERE h.exited_at IS NULL AND h.audience = n.audience AND h.universal_id = n.universal_id
);
DROP TABLE IF EXISTS "customer_360"."id_graph";
ALTER TABLE "customer_360"."id_graph__next" RENAME TO "id_graph";
DROP TABLE IF EXISTS "customer_360"."profiles";
ALTER TABLE "customer_360"."profiles__next" RENAME TO "profiles";
DROP TABLE IF EXISTS "customer_360"."id_edges";
ALTER TABLE "customer_360"."id_edges__next" RENAME TO "id_edges";
DROP TABLE IF EXISTS "customer_360"."id_quarantine";
ALTER TABLE "customer_360"."id_quarantine__next" RENAME TO "id_quarantine";
DROP TABLE IF EXISTS "customer_360"."audience_members";
ALTER TABLE "customer_360"."audience_members__next" RENAME TO "audience_members";
-- source web with the universal id of each row
CREATE OR REPLACE VIEW "customer_360"."web_stitched" AS
SELECT s.*, COALESCE(g1.universal_id, g2.universal_id, g3.universal_id, g4.universal_id, g5.universal_id, CAST(NULL AS TEXT)) AS universal_id
FROM "raw"."web_events" s
LEFT JOIN "customer_360"."id_graph" g1 ON g1.id_type = 'user_id' AND g1.id_value = NULLIF(NULLIF(CAST((lower(user_ref)) AS TEXT), ''), '')
LEFT JOIN "customer_360"."id_graph" g2 ON g2.id_type = 'email' AND g2.id_value = NULLIF(NULLIF(CAST(s."email" AS TEXT), ''), '')
LEFT JOIN "customer_360"."id_graph" g3 ON g3.id_type = 'email' AND g3.id_value = NULLIF(NULLIF(CAST(s."billing_email" AS TEXT), ''), '')
LEFT JOIN "customer_360"."id_graph" g4 ON g4.id_type = 'email' AND g4.id_value = NULLIF(NULLIF(CAST((coalesce(alt_email, '')) AS TEXT), ''), '')
LEFT JOIN "customer_360"."id_graph" g5 ON g5.id_type = 'anonymous_id' AND g5.id_value = NULLIF(NULLIF(CAST(s."anonymousId" AS TEXT), ''), '');
DROP TABLE IF EXISTS "customer_360_state"."rows_web";
ALTER TABLE "customer_360_state"."rows_web__next" RENAME TO "rows_web";
DROP TABLE IF EXISTS "customer_360_state"."hubs";
ALTER TABLE "customer_360_state"."hubs__next" RENAME TO "hubs";
DROP TABLE IF EXISTS "customer_360_state"."qvalues";
ALTER TABLE "customer_360_state"."qvalues__next" RENAME TO "qvalues";
DROP TABLE IF EXISTS "customer_360_state"."regions";
ALTER TABLE "customer_360_state"."regions__next" RENAME TO "regions";
DELETE FROM "customer_360_state"."meta" WHERE 1 = 1;
INSERT INTO "customer_360_state"."meta" (section, fingerprint) VALUES ('layout', '5'), ('audiences', '74234e98afe7498f'), ('checks', '7b5219e6ed221e25'), ('degrees', '2833ac7524c0f216'), ('id_salt', '031bef7d6f59aca8'), ('id_types', 'abcf59e8d5a2844c'), ('limits', '{}'), ('policy', '439083f38956ba51'), ('sources', '47840e74bf1ca2dc'), ('traits', '74234e98afe7498f');
INSERT INTO "customer_360"."id_changes" (run_id, changed_at, kind, old_universal_id, new_universal_id, identifiers) SELECT 0, CAST(LOCALTIMESTAMP AS TIMESTAMP), kind, old_universal_id, new_universal_id, identifiers FROM "customer_360_work"."changes";
COMMIT;
