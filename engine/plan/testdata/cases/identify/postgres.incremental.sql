-- idstitch plan: project identify, warehouse postgres, components by contraction
-- The runner also records each run in the runs table; that bookkeeping is not part of this script, and run_id is 0 in what it writes.

-- ===== stage controls: the overrides and forget requests people wrote, normalized, and what changed since the last run
-- the forget requests waiting, normalized, with the salted hash forget_audit keeps
DROP TABLE IF EXISTS "identity_work"."fgt_new";
CREATE UNLOGGED TABLE "identity_work"."fgt_new" AS
SELECT request_id, action, id_type, id_value, requested_at, value_hash, problem,
  CASE WHEN problem IS NULL AND ROW_NUMBER() OVER (PARTITION BY problem, value_hash ORDER BY requested_at DESC NULLS LAST, request_id DESC) = 1 THEN 1 ELSE 0 END AS latest
FROM (
  SELECT request_id, action, id_type, id_value, requested_at,
    CASE WHEN id_value IS NULL THEN NULL ELSE md5(('identify' || '|forget|' || id_type || '|' || id_value)) END AS value_hash,
    CASE
      WHEN request_id IS NULL THEN 'request_id is empty'
      WHEN action IS NULL OR action NOT IN ('forget', 'withdraw') THEN 'action must be forget or withdraw'
      WHEN id_type IS NULL OR id_type NOT IN ('user_id', 'email', 'anonymous_id') THEN 'id_type names no id type of the project'
      WHEN id_value IS NULL THEN 'id_value is empty after normalization'
    END AS problem
  FROM (
    SELECT request_id, action, id_type, requested_at,
      NULLIF(CASE id_type WHEN 'user_id' THEN id_value WHEN 'email' THEN LOWER(TRIM(id_value)) WHEN 'anonymous_id' THEN id_value END, '') AS id_value
    FROM "identity"."forget_requests"
  ) r
) h;
ANALYZE "identity_work"."fgt_new";
-- the node ids and universal ids of the identifiers forgotten now
DROP TABLE IF EXISTS "identity_work"."fgt_keys";
CREATE UNLOGGED TABLE "identity_work"."fgt_keys" AS
SELECT hashtextextended(concat_ws(chr(31), id_type, id_value), 0) AS node_id,
  md5(('identify' || '|' || id_type || '|' || id_value)) AS universal_id
FROM "identity_work"."fgt_new" WHERE latest = 1 AND action = 'forget';
ANALYZE "identity_work"."fgt_keys";
-- the hashes of every value forgotten
DROP TABLE IF EXISTS "identity_work"."fgt_hashes";
CREATE UNLOGGED TABLE "identity_work"."fgt_hashes" AS
SELECT value_hash FROM "identity"."forget_audit"
WHERE value_hash NOT IN (SELECT value_hash FROM "identity_work"."fgt_new" WHERE latest = 1 AND action = 'withdraw')
UNION ALL
SELECT value_hash FROM "identity_work"."fgt_new" WHERE latest = 1 AND action = 'forget';
ANALYZE "identity_work"."fgt_hashes";

-- ===== stage extract: per source: the rows from the watermark less the lookback, and which of them are new or changed
-- source events (events): the rows read again
DROP TABLE IF EXISTS "identity_work"."win_events";
CREATE UNLOGGED TABLE "identity_work"."win_events" AS
SELECT e.*, hashtextextended(concat_ws(chr(31), COALESCE(CAST(ts AS TEXT), '∅'), COALESCE(CAST(v1 AS TEXT), '∅'), COALESCE(CAST(q1 AS TEXT), '∅'), COALESCE(CAST(v2 AS TEXT), '∅'), COALESCE(CAST(q2 AS TEXT), '∅'), COALESCE(CAST(v3 AS TEXT), '∅'), COALESCE(CAST(q3 AS TEXT), '∅')), 0) AS row_hash
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
  CASE WHEN v3 IS NULL OR q3 IS NOT NULL THEN NULL ELSE hashtextextended(concat_ws(chr(31), 'anonymous_id', v3), 0) END AS n3
FROM (
  SELECT
    ts,
    v1,
    CAST(NULL AS TEXT) AS q1,
    v2,
    CAST(NULL AS TEXT) AS q2,
    v3,
    CAST(NULL AS TEXT) AS q3
  FROM (
    SELECT
      ts,
      NULLIF(r1, '') AS v1,
      NULLIF(LOWER(TRIM(r2)), '') AS v2,
      NULLIF(r3, '') AS v3
    FROM (
      SELECT
        CAST("ts" AS TIMESTAMP) AS ts,
        NULLIF(CAST("user_id" AS TEXT), '') AS r1,
        NULLIF(CAST("email" AS TEXT), '') AS r2,
        NULLIF(CAST("anonymous_id" AS TEXT), '') AS r3
      FROM "events"
      WHERE (CAST("ts" AS TIMESTAMP) IS NULL OR CAST("ts" AS TIMESTAMP) >= CAST('2026-10-29 00:00:00' AS TIMESTAMP))
    ) r
  ) v
) s
WHERE NOT ((v1 IS NOT NULL AND md5(('identify' || '|forget|' || 'user_id' || '|' || v1)) IN (SELECT value_hash FROM "identity_work"."fgt_hashes")) OR (v2 IS NOT NULL AND md5(('identify' || '|forget|' || 'email' || '|' || v2)) IN (SELECT value_hash FROM "identity_work"."fgt_hashes")) OR (v3 IS NOT NULL AND md5(('identify' || '|forget|' || 'anonymous_id' || '|' || v3)) IN (SELECT value_hash FROM "identity_work"."fgt_hashes")))
) e;
ANALYZE "identity_work"."win_events";
-- rows whose count differs from the stored ones
DROP TABLE IF EXISTS "identity_work"."changed_events";
CREATE UNLOGGED TABLE "identity_work"."changed_events" AS
SELECT COALESCE(n.row_hash, o.row_hash) AS row_hash, CASE WHEN o.c IS NULL THEN 0 ELSE 1 END AS stored
FROM (SELECT row_hash, COUNT(*) AS c FROM "identity_work"."win_events" GROUP BY row_hash) n
FULL OUTER JOIN (
  SELECT row_hash, COUNT(*) AS c FROM "identity_state"."rows_events" s WHERE (ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) GROUP BY row_hash
) o ON n.row_hash = o.row_hash
WHERE n.c IS NULL OR o.c IS NULL OR n.c <> o.c;
ANALYZE "identity_work"."changed_events";
DROP TABLE IF EXISTS "identity_work"."ins_events";
CREATE UNLOGGED TABLE "identity_work"."ins_events" AS
SELECT * FROM "identity_work"."win_events" WHERE row_hash IN (SELECT row_hash FROM "identity_work"."changed_events");
ANALYZE "identity_work"."ins_events";
-- the stored rows that this run replaces
DROP TABLE IF EXISTS "identity_work"."gone_events";
CREATE UNLOGGED TABLE "identity_work"."gone_events" AS
SELECT row_hash FROM "identity_work"."changed_events" WHERE stored = 1;
ANALYZE "identity_work"."gone_events";
-- the stored rows of events that hold an identifier forgotten now
DROP TABLE IF EXISTS "identity_work"."fgt_rows_events";
CREATE UNLOGGED TABLE "identity_work"."fgt_rows_events" AS
SELECT row_hash, COUNT(*) AS n
FROM "identity_state"."rows_events" s
WHERE s.n1 IN (SELECT node_id FROM "identity_work"."fgt_keys") OR s.n2 IN (SELECT node_id FROM "identity_work"."fgt_keys") OR s.n3 IN (SELECT node_id FROM "identity_work"."fgt_keys")
GROUP BY row_hash;
ANALYZE "identity_work"."fgt_rows_events";
-- the stored rows that this run replaces or forgets
DROP TABLE IF EXISTS "identity_work"."gone_events";
CREATE UNLOGGED TABLE "identity_work"."gone_events" AS
SELECT row_hash FROM "identity_work"."changed_events" WHERE stored = 1
UNION ALL
SELECT row_hash FROM "identity_work"."fgt_rows_events";
ANALYZE "identity_work"."gone_events";
DROP TABLE IF EXISTS "identity_work"."changed_events";
-- their identifiers
DROP TABLE IF EXISTS "identity_work"."del_events";
CREATE UNLOGGED TABLE "identity_work"."del_events" AS
SELECT n1, v1, n2, v2, n3, v3, q1, q2, q3 FROM "identity_state"."rows_events" WHERE ((ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) OR row_hash IN (SELECT row_hash FROM "identity_work"."fgt_rows_events")) AND row_hash IN (SELECT row_hash FROM "identity_work"."gone_events");
ANALYZE "identity_work"."del_events";
-- source identify (identity.identify_events): the rows read again
DROP TABLE IF EXISTS "identity_work"."win_identify";
CREATE UNLOGGED TABLE "identity_work"."win_identify" AS
SELECT e.*, hashtextextended(concat_ws(chr(31), COALESCE(CAST(ts AS TEXT), '∅'), COALESCE(CAST(v1 AS TEXT), '∅'), COALESCE(CAST(q1 AS TEXT), '∅'), COALESCE(CAST(v2 AS TEXT), '∅'), COALESCE(CAST(q2 AS TEXT), '∅'), COALESCE(CAST(v3 AS TEXT), '∅'), COALESCE(CAST(q3 AS TEXT), '∅')), 0) AS row_hash
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
  CASE WHEN v3 IS NULL OR q3 IS NOT NULL THEN NULL ELSE hashtextextended(concat_ws(chr(31), 'anonymous_id', v3), 0) END AS n3
FROM (
  SELECT
    ts,
    v1,
    CAST(NULL AS TEXT) AS q1,
    v2,
    CAST(NULL AS TEXT) AS q2,
    v3,
    CAST(NULL AS TEXT) AS q3
  FROM (
    SELECT
      ts,
      NULLIF(r1, '') AS v1,
      NULLIF(LOWER(TRIM(r2)), '') AS v2,
      NULLIF(r3, '') AS v3
    FROM (
      SELECT
        CAST("received_at" AS TIMESTAMP) AS ts,
        NULLIF(CAST("id_user_id" AS TEXT), '') AS r1,
        NULLIF(CAST("id_email" AS TEXT), '') AS r2,
        NULLIF(CAST("id_anonymous_id" AS TEXT), '') AS r3
      FROM "identity"."identify_events"
      WHERE (CAST("received_at" AS TIMESTAMP) IS NULL OR CAST("received_at" AS TIMESTAMP) >= CAST('2026-10-29 00:00:00' AS TIMESTAMP))
    ) r
  ) v
) s
WHERE NOT ((v1 IS NOT NULL AND md5(('identify' || '|forget|' || 'user_id' || '|' || v1)) IN (SELECT value_hash FROM "identity_work"."fgt_hashes")) OR (v2 IS NOT NULL AND md5(('identify' || '|forget|' || 'email' || '|' || v2)) IN (SELECT value_hash FROM "identity_work"."fgt_hashes")) OR (v3 IS NOT NULL AND md5(('identify' || '|forget|' || 'anonymous_id' || '|' || v3)) IN (SELECT value_hash FROM "identity_work"."fgt_hashes")))
) e;
ANALYZE "identity_work"."win_identify";
DROP TABLE IF EXISTS "identity_work"."fgt_hashes";
-- rows whose count differs from the stored ones
DROP TABLE IF EXISTS "identity_work"."changed_identify";
CREATE UNLOGGED TABLE "identity_work"."changed_identify" AS
SELECT COALESCE(n.row_hash, o.row_hash) AS row_hash, CASE WHEN o.c IS NULL THEN 0 ELSE 1 END AS stored
FROM (SELECT row_hash, COUNT(*) AS c FROM "identity_work"."win_identify" GROUP BY row_hash) n
FULL OUTER JOIN (
  SELECT row_hash, COUNT(*) AS c FROM "identity_state"."rows_identify" s WHERE (ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) GROUP BY row_hash
) o ON n.row_hash = o.row_hash
WHERE n.c IS NULL OR o.c IS NULL OR n.c <> o.c;
ANALYZE "identity_work"."changed_identify";
DROP TABLE IF EXISTS "identity_work"."ins_identify";
CREATE UNLOGGED TABLE "identity_work"."ins_identify" AS
SELECT * FROM "identity_work"."win_identify" WHERE row_hash IN (SELECT row_hash FROM "identity_work"."changed_identify");
ANALYZE "identity_work"."ins_identify";
-- the stored rows that this run replaces
DROP TABLE IF EXISTS "identity_work"."gone_identify";
CREATE UNLOGGED TABLE "identity_work"."gone_identify" AS
SELECT row_hash FROM "identity_work"."changed_identify" WHERE stored = 1;
ANALYZE "identity_work"."gone_identify";
-- the stored rows of identify that hold an identifier forgotten now
DROP TABLE IF EXISTS "identity_work"."fgt_rows_identify";
CREATE UNLOGGED TABLE "identity_work"."fgt_rows_identify" AS
SELECT row_hash, COUNT(*) AS n
FROM "identity_state"."rows_identify" s
WHERE s.n1 IN (SELECT node_id FROM "identity_work"."fgt_keys") OR s.n2 IN (SELECT node_id FROM "identity_work"."fgt_keys") OR s.n3 IN (SELECT node_id FROM "identity_work"."fgt_keys")
GROUP BY row_hash;
ANALYZE "identity_work"."fgt_rows_identify";
-- the stored rows that this run replaces or forgets
DROP TABLE IF EXISTS "identity_work"."gone_identify";
CREATE UNLOGGED TABLE "identity_work"."gone_identify" AS
SELECT row_hash FROM "identity_work"."changed_identify" WHERE stored = 1
UNION ALL
SELECT row_hash FROM "identity_work"."fgt_rows_identify";
ANALYZE "identity_work"."gone_identify";
DROP TABLE IF EXISTS "identity_work"."changed_identify";
-- their identifiers
DROP TABLE IF EXISTS "identity_work"."del_identify";
CREATE UNLOGGED TABLE "identity_work"."del_identify" AS
SELECT n1, v1, n2, v2, n3, v3, q1, q2, q3 FROM "identity_state"."rows_identify" WHERE ((ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) OR row_hash IN (SELECT row_hash FROM "identity_work"."fgt_rows_identify")) AND row_hash IN (SELECT row_hash FROM "identity_work"."gone_identify");
ANALYZE "identity_work"."del_identify";

-- ===== stage publish: replace the recomputed regions' rows and update the state, all together
BEGIN;
DELETE FROM "identity"."id_graph" WHERE node_id IN (SELECT node_id FROM "identity_work"."graph_write");
INSERT INTO "identity"."id_graph" SELECT * FROM (SELECT universal_id, id_type, id_value, first_seen_at, last_seen_at, row_count, node_id
FROM "identity_work"."graph") q WHERE q.node_id IN (SELECT node_id FROM "identity_work"."graph_write");
DELETE FROM "identity"."profiles" WHERE universal_id IN (SELECT universal_id FROM "identity_work"."redo_ids");
INSERT INTO "identity"."profiles" SELECT * FROM "identity_work"."profiles_region";
DELETE FROM "identity"."id_edges" USING (
  SELECT s_universal_id, s_id_type_a, s_id_value_a, s_id_type_b, s_id_value_b
  FROM "identity_work"."edges_diff" WHERE s_universal_id IS NOT NULL
) s
WHERE universal_id = s.s_universal_id AND id_type_a = s.s_id_type_a AND id_value_a = s.s_id_value_a
  AND id_type_b = s.s_id_type_b AND id_value_b = s.s_id_value_b;
INSERT INTO "identity"."id_edges"
SELECT universal_id, id_type_a, id_value_a, id_type_b, id_value_b, row_count, first_seen_at, last_seen_at, sources
FROM "identity_work"."edges_diff"
WHERE universal_id IS NOT NULL;
UPDATE "identity"."audience_history" AS h
SET exited_at = CAST(LOCALTIMESTAMP AS TIMESTAMP)
WHERE h.exited_at IS NULL
  AND NOT EXISTS (
    SELECT 1 FROM "identity"."audience_members__next" n
    WHERE n.audience = h.audience AND n.universal_id = h.universal_id
  );
INSERT INTO "identity"."audience_history" (audience, universal_id, entered_at, exited_at, run_id)
SELECT n.audience, n.universal_id, n.entered_at, CAST(NULL AS TIMESTAMP), CAST(0 AS BIGINT)
FROM "identity"."audience_members__next" n
WHERE NOT EXISTS (
  SELECT 1 FROM "identity"."audience_history" h
  WHERE h.exited_at IS NULL AND h.audience = n.audience AND h.universal_id = n.universal_id
);
DROP TABLE IF EXISTS "identity"."id_quarantine";
ALTER TABLE "identity"."id_quarantine__next" RENAME TO "id_quarantine";
DROP TABLE IF EXISTS "identity"."audience_members";
ALTER TABLE "identity"."audience_members__next" RENAME TO "audience_members";
-- the rows of events
DELETE FROM "identity_state"."rows_events" WHERE ((ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) OR row_hash IN (SELECT row_hash FROM "identity_work"."fgt_rows_events")) AND row_hash IN (SELECT row_hash FROM "identity_work"."gone_events");
INSERT INTO "identity_state"."rows_events" SELECT * FROM "identity_work"."ins_events";
-- the rows of identify
DELETE FROM "identity_state"."rows_identify" WHERE ((ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) OR row_hash IN (SELECT row_hash FROM "identity_work"."fgt_rows_identify")) AND row_hash IN (SELECT row_hash FROM "identity_work"."gone_identify");
INSERT INTO "identity_state"."rows_identify" SELECT * FROM "identity_work"."ins_identify";
DELETE FROM "identity_state"."qvalues" WHERE 1 = 1;
INSERT INTO "identity_state"."qvalues" SELECT id_type, id_value, reason, evidence FROM "identity_work"."qvalues_new";
DELETE FROM "identity_state"."regions" WHERE node_id IN (SELECT node_id FROM "identity_work"."regions_write");
INSERT INTO "identity_state"."regions" SELECT * FROM (SELECT node_id, region, id_type FROM "identity_work"."regions_new") q WHERE q.node_id IN (SELECT node_id FROM "identity_work"."regions_write");
DELETE FROM "identity_state"."meta" WHERE 1 = 1;
INSERT INTO "identity_state"."meta" (section, fingerprint) VALUES ('layout', '5'), ('audiences', '74234e98afe7498f'), ('checks', '7b5219e6ed221e25'), ('degrees', '2833ac7524c0f216'), ('id_salt', 'f8bd0d01fe7fe626'), ('id_types', '26c4a9f56526cd0a'), ('limits', '{}'), ('policy', '439083f38956ba51'), ('sources', 'e03cf3f26c0e16cb'), ('traits', '74234e98afe7498f');
INSERT INTO "identity"."id_changes" (run_id, changed_at, kind, old_universal_id, new_universal_id, identifiers) SELECT 0, CAST(LOCALTIMESTAMP AS TIMESTAMP), kind, old_universal_id, new_universal_id, identifiers FROM "identity_work"."changes";
-- identify answers the run published otherwise, as provisional changes
INSERT INTO "identity"."id_changes" (run_id, changed_at, kind, old_universal_id, new_universal_id, identifiers)
SELECT 0, CAST(LOCALTIMESTAMP AS TIMESTAMP), 'provisional', c.answered_id, c.universal_id, CAST(COUNT(*) AS BIGINT)
FROM (
  SELECT DISTINCT e.answered_id, e.answered_type, e.answered_value, g.universal_id
  FROM "identity"."identify_events" e
  LEFT JOIN "identity"."id_graph" g ON g.id_type = e.answered_type AND g.id_value = e.answered_value
  WHERE e.confirmed_run IS NULL
    AND e.received_at <= (SELECT MAX(started_at) FROM "identity"."runs" WHERE run_id = 0)
    AND (g.universal_id IS NULL OR g.universal_id <> e.answered_id)
) c
WHERE NOT EXISTS (SELECT 1 FROM "identity"."id_changes" x WHERE x.run_id = 0 AND x.kind = 'provisional')
GROUP BY c.answered_id, c.universal_id;
-- the identify calls the run read, confirmed
UPDATE "identity"."identify_events" SET confirmed_run = 0
WHERE confirmed_run IS NULL
  AND received_at <= (SELECT MAX(started_at) FROM "identity"."runs" WHERE run_id = 0);
INSERT INTO "identity"."forget_audit" (value_hash, requested_at, forgotten_at, run_id)
SELECT value_hash, requested_at, LOCALTIMESTAMP, 0
FROM "identity_work"."fgt_new"
WHERE latest = 1 AND action = 'forget' AND value_hash NOT IN (SELECT value_hash FROM "identity"."forget_audit");
DELETE FROM "identity"."forget_audit"
WHERE value_hash IN (SELECT value_hash FROM "identity_work"."fgt_new" WHERE latest = 1 AND action = 'withdraw');
DELETE FROM "identity"."forget_requests"
WHERE request_id IN (SELECT request_id FROM "identity_work"."fgt_new" WHERE problem IS NULL);
DELETE FROM "identity"."id_changes"
WHERE old_universal_id IN (SELECT universal_id FROM "identity_work"."fgt_keys") OR new_universal_id IN (SELECT universal_id FROM "identity_work"."fgt_keys");
DELETE FROM "identity"."audience_history"
WHERE universal_id IN (SELECT universal_id FROM "identity_work"."fgt_keys");
UPDATE "identity"."identify_events" SET
  "id_user_id" = CASE WHEN "id_user_id" IN (SELECT f.id_value FROM "identity_work"."fgt_new" f WHERE f.id_type = 'user_id' AND f.action = 'forget' AND f.latest = 1) THEN NULL ELSE "id_user_id" END,
  answered_value = CASE WHEN answered_type = 'user_id' AND answered_value IN (SELECT f.id_value FROM "identity_work"."fgt_new" f WHERE f.id_type = 'user_id' AND f.action = 'forget' AND f.latest = 1) THEN NULL ELSE answered_value END
WHERE "id_user_id" IN (SELECT f.id_value FROM "identity_work"."fgt_new" f WHERE f.id_type = 'user_id' AND f.action = 'forget' AND f.latest = 1)
  OR (answered_type = 'user_id' AND answered_value IN (SELECT f.id_value FROM "identity_work"."fgt_new" f WHERE f.id_type = 'user_id' AND f.action = 'forget' AND f.latest = 1));
UPDATE "identity"."identify_events" SET
  "id_email" = CASE WHEN LOWER(TRIM("id_email")) IN (SELECT f.id_value FROM "identity_work"."fgt_new" f WHERE f.id_type = 'email' AND f.action = 'forget' AND f.latest = 1) THEN NULL ELSE "id_email" END,
  answered_value = CASE WHEN answered_type = 'email' AND answered_value IN (SELECT f.id_value FROM "identity_work"."fgt_new" f WHERE f.id_type = 'email' AND f.action = 'forget' AND f.latest = 1) THEN NULL ELSE answered_value END
WHERE LOWER(TRIM("id_email")) IN (SELECT f.id_value FROM "identity_work"."fgt_new" f WHERE f.id_type = 'email' AND f.action = 'forget' AND f.latest = 1)
  OR (answered_type = 'email' AND answered_value IN (SELECT f.id_value FROM "identity_work"."fgt_new" f WHERE f.id_type = 'email' AND f.action = 'forget' AND f.latest = 1));
UPDATE "identity"."identify_events" SET
  "id_anonymous_id" = CASE WHEN "id_anonymous_id" IN (SELECT f.id_value FROM "identity_work"."fgt_new" f WHERE f.id_type = 'anonymous_id' AND f.action = 'forget' AND f.latest = 1) THEN NULL ELSE "id_anonymous_id" END,
  answered_value = CASE WHEN answered_type = 'anonymous_id' AND answered_value IN (SELECT f.id_value FROM "identity_work"."fgt_new" f WHERE f.id_type = 'anonymous_id' AND f.action = 'forget' AND f.latest = 1) THEN NULL ELSE answered_value END
WHERE "id_anonymous_id" IN (SELECT f.id_value FROM "identity_work"."fgt_new" f WHERE f.id_type = 'anonymous_id' AND f.action = 'forget' AND f.latest = 1)
  OR (answered_type = 'anonymous_id' AND answered_value IN (SELECT f.id_value FROM "identity_work"."fgt_new" f WHERE f.id_type = 'anonymous_id' AND f.action = 'forget' AND f.latest = 1));
UPDATE "identity"."identify_events" SET answered_id = NULL
WHERE answered_id IN (SELECT universal_id FROM "identity_work"."fgt_keys");
DELETE FROM "identity"."delivery_dead_letters"
WHERE EXISTS (SELECT 1 FROM "identity_work"."fgt_new" f WHERE f.action = 'forget' AND f.latest = 1 AND f.id_value IS NOT NULL
    AND payload LIKE ('%' || f.id_value || '%'))
  OR EXISTS (SELECT 1 FROM "identity_work"."fgt_keys" k WHERE payload LIKE ('%' || k.universal_id || '%'));
COMMIT;
