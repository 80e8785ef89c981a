-- idstitch plan: project expressions, warehouse postgres, components by contraction
-- The runner also records each run in the runs table; that bookkeeping is not part of this script, and run_id is 0 in what it writes.

-- ===== stage extract: per source: the rows from the watermark less the lookback, and which of them are new or changed
-- source web (raw.web_events): the rows read again
DROP TABLE IF EXISTS "customer_360_work"."win_web";
CREATE UNLOGGED TABLE "customer_360_work"."win_web" AS
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
      WHERE (event_type <> 'test') AND (CAST("EventTime" AS TIMESTAMP) IS NULL OR CAST("EventTime" AS TIMESTAMP) >= CAST('2026-10-29 00:00:00' AS TIMESTAMP))
    ) r
  ) v
) s
) e;
ANALYZE "customer_360_work"."win_web";
-- rows whose count differs from the stored ones
DROP TABLE IF EXISTS "customer_360_work"."changed_web";
CREATE UNLOGGED TABLE "customer_360_work"."changed_web" AS
SELECT COALESCE(n.row_hash, o.row_hash) AS row_hash, CASE WHEN o.c IS NULL THEN 0 ELSE 1 END AS stored
FROM (SELECT row_hash, COUNT(*) AS c FROM "customer_360_work"."win_web" GROUP BY row_hash) n
FULL OUTER JOIN (
  SELECT row_hash, COUNT(*) AS c FROM "customer_360_state"."rows_web" s WHERE (ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) GROUP BY row_hash
) o ON n.row_hash = o.row_hash
WHERE n.c IS NULL OR o.c IS NULL OR n.c <> o.c;
ANALYZE "customer_360_work"."changed_web";
DROP TABLE IF EXISTS "customer_360_work"."ins_web";
CREATE UNLOGGED TABLE "customer_360_work"."ins_web" AS
SELECT * FROM "customer_360_work"."win_web" WHERE row_hash IN (SELECT row_hash FROM "customer_360_work"."changed_web");
ANALYZE "customer_360_work"."ins_web";
-- the stored rows that this run replaces
DROP TABLE IF EXISTS "customer_360_work"."gone_web";
CREATE UNLOGGED TABLE "customer_360_work"."gone_web" AS
SELECT row_hash FROM "customer_360_work"."changed_web" WHERE stored = 1;
ANALYZE "customer_360_work"."gone_web";
DROP TABLE IF EXISTS "customer_360_work"."changed_web";
-- their identifiers
DROP TABLE IF EXISTS "customer_360_work"."del_web";
CREATE UNLOGGED TABLE "customer_360_work"."del_web" AS
SELECT n1, v1, n2, v2, n3, v3, n4, v4, n5, v5, q1, q2, q3, q4, q5 FROM "customer_360_state"."rows_web" WHERE (ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) AND row_hash IN (SELECT row_hash FROM "customer_360_work"."gone_web");
ANALYZE "customer_360_work"."del_web";

-- ===== stage edges: identifiers on one row are linked as a star from the row's first identifier
DROP TABLE IF EXISTS "customer_360_work"."edges";
CREATE UNLOGGED TABLE "customer_360_work"."edges" AS
SELECT a, b, row_count, first_seen_at, last_seen_at, SUBSTR(('' || CASE WHEN s0 = 1 THEN ',web' ELSE '' END), 2) AS sources
FROM (
  SELECT LEAST(a, b) AS a, GREATEST(a, b) AS b, CAST(COUNT(*) AS BIGINT) AS row_count,
    MIN(ts) AS first_seen_at, MAX(ts) AS last_seen_at, MAX(s0) AS s0
  FROM (
    SELECT COALESCE(n1, n2, n3, n4, n5) AS a, n2 AS b, ts, 1 AS s0
    FROM "customer_360_work"."src_web" WHERE n2 IS NOT NULL AND n2 <> COALESCE(n1, n2, n3, n4, n5)
    UNION ALL SELECT COALESCE(n1, n2, n3, n4, n5) AS a, n3 AS b, ts, 1 AS s0
    FROM "customer_360_work"."src_web" WHERE n3 IS NOT NULL AND n3 <> COALESCE(n1, n2, n3, n4, n5)
    UNION ALL SELECT COALESCE(n1, n2, n3, n4, n5) AS a, n4 AS b, ts, 1 AS s0
    FROM "customer_360_work"."src_web" WHERE n4 IS NOT NULL AND n4 <> COALESCE(n1, n2, n3, n4, n5)
    UNION ALL SELECT COALESCE(n1, n2, n3, n4, n5) AS a, n5 AS b, ts, 1 AS s0
    FROM "customer_360_work"."src_web" WHERE n5 IS NOT NULL AND n5 <> COALESCE(n1, n2, n3, n4, n5)
  ) e
  GROUP BY LEAST(a, b), GREATEST(a, b)
) g;
ANALYZE "customer_360_work"."edges";
DROP TABLE IF EXISTS "customer_360_work"."src_web";

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
-- every identifier with its universal id
DROP TABLE IF EXISTS "customer_360_work"."graph";
CREATE UNLOGGED TABLE "customer_360_work"."graph" AS
SELECT a.universal_id, n.id_type, n.id_value, n.first_seen_at, n.last_seen_at, n.row_count, n.node_id
FROM "customer_360_work"."assign" n
JOIN "customer_360_work"."anchors" a ON n.component = a.component;
ANALYZE "customer_360_work"."graph";
-- every identifier's region, quarantined ones too
DROP TABLE IF EXISTS "customer_360_work"."regions_new";
CREATE UNLOGGED TABLE "customer_360_work"."regions_new" AS
SELECT node_id, component AS region, id_type
FROM "customer_360_work"."assign";
ANALYZE "customer_360_work"."regions_new";

-- ===== stage publish: replace the recomputed regions' rows and update the state, all together
BEGIN;
DELETE FROM "customer_360"."id_graph" WHERE node_id IN (SELECT node_id FROM "customer_360_work"."graph_write");
INSERT INTO "customer_360"."id_graph" SELECT * FROM (SELECT universal_id, id_type, id_value, first_seen_at, last_seen_at, row_count, node_id
FROM "customer_360_work"."graph") q WHERE q.node_id IN (SELECT node_id FROM "customer_360_work"."graph_write");
DELETE FROM "customer_360"."profiles" WHERE universal_id IN (SELECT universal_id FROM "customer_360_work"."redo_ids");
INSERT INTO "customer_360"."profiles" SELECT * FROM "customer_360_work"."profiles_region";
DELETE FROM "customer_360"."id_edges" USING (
  SELECT s_universal_id, s_id_type_a, s_id_value_a, s_id_type_b, s_id_value_b
  FROM "customer_360_work"."edges_diff" WHERE s_universal_id IS NOT NULL
) s
WHERE universal_id = s.s_universal_id AND id_type_a = s.s_id_type_a AND id_value_a = s.s_id_value_a
  AND id_type_b = s.s_id_type_b AND id_value_b = s.s_id_value_b;
INSERT INTO "customer_360"."id_edges"
SELECT universal_id, id_type_a, id_value_a, id_type_b, id_value_b, row_count, first_seen_at, last_seen_at, sources
FROM "customer_360_work"."edges_diff"
WHERE universal_id IS NOT NULL;
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
DROP TABLE IF EXISTS "customer_360"."id_quarantine";
ALTER TABLE "customer_360"."id_quarantine__next" RENAME TO "id_quarantine";
DROP TABLE IF EXISTS "customer_360"."audience_members";
ALTER TABLE "customer_360"."audience_members__next" RENAME TO "audience_members";
-- the rows of web
DELETE FROM "customer_360_state"."rows_web" WHERE (ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) AND row_hash IN (SELECT row_hash FROM "customer_360_work"."gone_web");
INSERT INTO "customer_360_state"."rows_web" SELECT * FROM "customer_360_work"."ins_web";
DELETE FROM "customer_360_state"."qvalues" WHERE 1 = 1;
INSERT INTO "customer_360_state"."qvalues" SELECT id_type, id_value, reason, evidence FROM "customer_360_work"."qvalues_new";
DELETE FROM "customer_360_state"."regions" WHERE node_id IN (SELECT node_id FROM "customer_360_work"."regions_write");
INSERT INTO "customer_360_state"."regions" SELECT * FROM (SELECT node_id, region, id_type FROM "customer_360_work"."regions_new") q WHERE q.node_id IN (SELECT node_id FROM "customer_360_work"."regions_write");
DELETE FROM "customer_360_state"."meta" WHERE 1 = 1;
INSERT INTO "customer_360_state"."meta" (section, fingerprint) VALUES ('layout', '5'), ('audiences', '74234e98afe7498f'), ('checks', '7b5219e6ed221e25'), ('degrees', '2833ac7524c0f216'), ('id_salt', '031bef7d6f59aca8'), ('id_types', 'abcf59e8d5a2844c'), ('limits', '{}'), ('policy', '439083f38956ba51'), ('sources', '47840e74bf1ca2dc'), ('traits', '74234e98afe7498f');
INSERT INTO "customer_360"."id_changes" (run_id, changed_at, kind, old_universal_id, new_universal_id, identifiers) SELECT 0, CAST(LOCALTIMESTAMP AS TIMESTAMP), kind, old_universal_id, new_universal_id, identifiers FROM "customer_360_work"."changes";
COMMIT;

-- append-only path, taken when this counts 0 after the extract stage:
SELECT 0 + (SELECT COUNT(*) FROM "customer_360_work"."gone_web") AS n;

-- idstitch plan: project expressions, warehouse postgres, components by contraction
-- The runner also records each run in the runs table; that bookkeeping is not part of this script, and run_id is 0 in what it writes.

-- ===== stage edges: the batch's links
DROP TABLE IF EXISTS "customer_360_work"."edges";
CREATE UNLOGGED TABLE "customer_360_work"."edges" AS
SELECT a, b, row_count, first_seen_at, last_seen_at, SUBSTR(('' || CASE WHEN s0 = 1 THEN ',web' ELSE '' END), 2) AS sources
FROM (
  SELECT LEAST(a, b) AS a, GREATEST(a, b) AS b, CAST(COUNT(*) AS BIGINT) AS row_count,
    MIN(ts) AS first_seen_at, MAX(ts) AS last_seen_at, MAX(s0) AS s0
  FROM (
    SELECT COALESCE(n1, n2, n3, n4, n5) AS a, n2 AS b, ts, 1 AS s0
    FROM "customer_360_work"."ins_web" WHERE n2 IS NOT NULL AND n2 <> COALESCE(n1, n2, n3, n4, n5)
    UNION ALL SELECT COALESCE(n1, n2, n3, n4, n5) AS a, n3 AS b, ts, 1 AS s0
    FROM "customer_360_work"."ins_web" WHERE n3 IS NOT NULL AND n3 <> COALESCE(n1, n2, n3, n4, n5)
    UNION ALL SELECT COALESCE(n1, n2, n3, n4, n5) AS a, n4 AS b, ts, 1 AS s0
    FROM "customer_360_work"."ins_web" WHERE n4 IS NOT NULL AND n4 <> COALESCE(n1, n2, n3, n4, n5)
    UNION ALL SELECT COALESCE(n1, n2, n3, n4, n5) AS a, n5 AS b, ts, 1 AS s0
    FROM "customer_360_work"."ins_web" WHERE n5 IS NOT NULL AND n5 <> COALESCE(n1, n2, n3, n4, n5)
  ) e
  GROUP BY LEAST(a, b), GREATEST(a, b)
) g;
ANALYZE "customer_360_work"."edges";

-- ===== stage ids: one universal id per group, from its anchor identifier
-- the candidates for each group's anchor
DROP TABLE IF EXISTS "customer_360_work"."assign";
CREATE UNLOGGED TABLE "customer_360_work"."assign" AS
SELECT g.grp AS component, n.id_type, n.id_value, n.type_rank,
  CASE WHEN o.first_seen_at IS NULL OR o.first_seen_at > n.first_seen_at THEN n.first_seen_at ELSE o.first_seen_at END AS first_seen_at
FROM "customer_360_work"."nodes" n
JOIN "customer_360_work"."app_groups" g ON g.node_id = n.node_id
LEFT JOIN "customer_360_work"."app_old" o ON o.node_id = n.node_id
UNION ALL
SELECT f.grp AS component, x.id_type, x.id_value,
  CASE x.id_type WHEN 'user_id' THEN 0 WHEN 'email' THEN 1 WHEN 'anonymous_id' THEN 2 END AS type_rank,
  x.first_seen_at
FROM "customer_360"."id_graph" x
JOIN (
  SELECT m.old_id, m.grp, p.first_seen_at
  FROM "customer_360_work"."app_prev" m
  JOIN "customer_360"."profiles" p ON p.universal_id = m.old_id
) f ON x.universal_id = f.old_id
  AND COALESCE(x.first_seen_at, CAST('0001-01-01 00:00:00' AS TIMESTAMP)) = COALESCE(f.first_seen_at, CAST('0001-01-01 00:00:00' AS TIMESTAMP));
ANALYZE "customer_360_work"."assign";
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
-- each touched profile's universal id, and its group's
DROP TABLE IF EXISTS "customer_360_work"."app_moves";
CREATE UNLOGGED TABLE "customer_360_work"."app_moves" AS
SELECT p.old_id, p.grp, a.universal_id AS new_id
FROM "customer_360_work"."app_prev" p
JOIN "customer_360_work"."anchors" a ON a.component = p.grp;
ANALYZE "customer_360_work"."app_moves";
DROP TABLE IF EXISTS "customer_360_work"."app_prev";

-- ===== stage publish: replace the recomputed regions' rows and update the state, all together
BEGIN;
DELETE FROM "customer_360"."id_graph" WHERE node_id IN (SELECT node_id FROM "customer_360_work"."graph_write");
INSERT INTO "customer_360"."id_graph" SELECT * FROM (SELECT universal_id, id_type, id_value, first_seen_at, last_seen_at, row_count, node_id
FROM "customer_360_work"."graph") q WHERE q.node_id IN (SELECT node_id FROM "customer_360_work"."graph_write");
DELETE FROM "customer_360"."profiles" WHERE universal_id IN (SELECT universal_id FROM "customer_360_work"."redo_ids");
INSERT INTO "customer_360"."profiles" SELECT * FROM "customer_360_work"."profiles_region";
DELETE FROM "customer_360"."id_edges" USING (
  SELECT s_universal_id, s_id_type_a, s_id_value_a, s_id_type_b, s_id_value_b
  FROM "customer_360_work"."edges_diff" WHERE s_universal_id IS NOT NULL
) s
WHERE universal_id = s.s_universal_id AND id_type_a = s.s_id_type_a AND id_value_a = s.s_id_value_a
  AND id_type_b = s.s_id_type_b AND id_value_b = s.s_id_value_b;
INSERT INTO "customer_360"."id_edges"
SELECT universal_id, id_type_a, id_value_a, id_type_b, id_value_b, row_count, first_seen_at, last_seen_at, sources
FROM "customer_360_work"."edges_diff"
WHERE universal_id IS NOT NULL;
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
DROP TABLE IF EXISTS "customer_360"."id_quarantine";
ALTER TABLE "customer_360"."id_quarantine__next" RENAME TO "id_quarantine";
DROP TABLE IF EXISTS "customer_360"."audience_members";
ALTER TABLE "customer_360"."audience_members__next" RENAME TO "audience_members";
-- the rows of web
DELETE FROM "customer_360_state"."rows_web" WHERE (ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) AND row_hash IN (SELECT row_hash FROM "customer_360_work"."gone_web");
INSERT INTO "customer_360_state"."rows_web" SELECT * FROM "customer_360_work"."ins_web";
DELETE FROM "customer_360_state"."qvalues" WHERE 1 = 1;
INSERT INTO "customer_360_state"."qvalues" SELECT id_type, id_value, reason, evidence FROM "customer_360_work"."qvalues_new";
DELETE FROM "customer_360_state"."regions" WHERE node_id IN (SELECT node_id FROM "customer_360_work"."regions_write");
INSERT INTO "customer_360_state"."regions" SELECT * FROM (SELECT node_id, region, id_type FROM "customer_360_work"."regions_new") q WHERE q.node_id IN (SELECT node_id FROM "customer_360_work"."regions_write");
DELETE FROM "customer_360_state"."meta" WHERE 1 = 1;
INSERT INTO "customer_360_state"."meta" (section, fingerprint) VALUES ('layout', '5'), ('audiences', '74234e98afe7498f'), ('checks', '7b5219e6ed221e25'), ('degrees', '2833ac7524c0f216'), ('id_salt', '031bef7d6f59aca8'), ('id_types', 'abcf59e8d5a2844c'), ('limits', '{}'), ('policy', '439083f38956ba51'), ('sources', '47840e74bf1ca2dc'), ('traits', '74234e98afe7498f');
INSERT INTO "customer_360"."id_changes" (run_id, changed_at, kind, old_universal_id, new_universal_id, identifiers) SELECT 0, CAST(LOCALTIMESTAMP AS TIMESTAMP), kind, old_universal_id, new_universal_id, identifiers FROM "customer_360_work"."changes";
COMMIT;
