-- idstitch plan: project forget, warehouse postgres, components by contraction
-- The runner also records each run in the runs table; that bookkeeping is not part of this script, and run_id is 0 in what it writes.

-- ===== stage controls: the overrides and forget requests people wrote, normalized, and what changed since the last run
-- the forget requests waiting, normalized, with the salted hash forget_audit keeps
DROP TABLE IF EXISTS "identity_work"."fgt_new";
CREATE UNLOGGED TABLE "identity_work"."fgt_new" AS
SELECT request_id, action, id_type, id_value, requested_at, value_hash, problem,
  CASE WHEN problem IS NULL AND ROW_NUMBER() OVER (PARTITION BY problem, value_hash ORDER BY requested_at DESC NULLS LAST, request_id DESC) = 1 THEN 1 ELSE 0 END AS latest
FROM (
  SELECT request_id, action, id_type, id_value, requested_at,
    CASE WHEN id_value IS NULL THEN NULL ELSE md5(('forget' || '|forget|' || id_type || '|' || id_value)) END AS value_hash,
    CASE
      WHEN request_id IS NULL THEN 'request_id is empty'
      WHEN action IS NULL OR action NOT IN ('forget', 'withdraw') THEN 'action must be forget or withdraw'
      WHEN id_type IS NULL OR id_type NOT IN ('user_id', 'email') THEN 'id_type names no id type of the project'
      WHEN id_value IS NULL THEN 'id_value is empty after normalization'
    END AS problem
  FROM (
    SELECT request_id, action, id_type, requested_at,
      NULLIF(CASE id_type WHEN 'user_id' THEN id_value WHEN 'email' THEN LOWER(TRIM(id_value)) END, '') AS id_value
    FROM "identity"."forget_requests"
  ) r
) h;
ANALYZE "identity_work"."fgt_new";
-- the node ids and universal ids of the identifiers forgotten now
DROP TABLE IF EXISTS "identity_work"."fgt_keys";
CREATE UNLOGGED TABLE "identity_work"."fgt_keys" AS
SELECT hashtextextended(concat_ws(chr(31), id_type, id_value), 0) AS node_id,
  md5(('forget' || '|' || id_type || '|' || id_value)) AS universal_id
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
-- source logins (logins): the rows read again
DROP TABLE IF EXISTS "identity_work"."win_logins";
CREATE UNLOGGED TABLE "identity_work"."win_logins" AS
SELECT e.*, hashtextextended(concat_ws(chr(31), COALESCE(CAST(ts AS TEXT), '∅'), COALESCE(CAST(v1 AS TEXT), '∅'), COALESCE(CAST(q1 AS TEXT), '∅'), COALESCE(CAST(v2 AS TEXT), '∅'), COALESCE(CAST(q2 AS TEXT), '∅')), 0) AS row_hash
FROM (
SELECT
  ts,
  v1,
  q1,
  CASE WHEN v1 IS NULL OR q1 IS NOT NULL THEN NULL ELSE hashtextextended(concat_ws(chr(31), 'user_id', v1), 0) END AS n1,
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
      NULLIF(LOWER(TRIM(r2)), '') AS v2
    FROM (
      SELECT
        CAST("ts" AS TIMESTAMP) AS ts,
        NULLIF(CAST("user_id" AS TEXT), '') AS r1,
        NULLIF(CAST("email" AS TEXT), '') AS r2
      FROM "logins"
      WHERE (CAST("ts" AS TIMESTAMP) IS NULL OR CAST("ts" AS TIMESTAMP) >= CAST('2026-10-29 00:00:00' AS TIMESTAMP))
    ) r
  ) v
) s
WHERE NOT ((v1 IS NOT NULL AND md5(('forget' || '|forget|' || 'user_id' || '|' || v1)) IN (SELECT value_hash FROM "identity_work"."fgt_hashes")) OR (v2 IS NOT NULL AND md5(('forget' || '|forget|' || 'email' || '|' || v2)) IN (SELECT value_hash FROM "identity_work"."fgt_hashes")))
) e;
ANALYZE "identity_work"."win_logins";
-- rows whose count differs from the stored ones
DROP TABLE IF EXISTS "identity_work"."changed_logins";
CREATE UNLOGGED TABLE "identity_work"."changed_logins" AS
SELECT COALESCE(n.row_hash, o.row_hash) AS row_hash, CASE WHEN o.c IS NULL THEN 0 ELSE 1 END AS stored
FROM (SELECT row_hash, COUNT(*) AS c FROM "identity_work"."win_logins" GROUP BY row_hash) n
FULL OUTER JOIN (
  SELECT row_hash, COUNT(*) AS c FROM "identity_state"."rows_logins" s WHERE (ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) GROUP BY row_hash
) o ON n.row_hash = o.row_hash
WHERE n.c IS NULL OR o.c IS NULL OR n.c <> o.c;
ANALYZE "identity_work"."changed_logins";
DROP TABLE IF EXISTS "identity_work"."ins_logins";
CREATE UNLOGGED TABLE "identity_work"."ins_logins" AS
SELECT * FROM "identity_work"."win_logins" WHERE row_hash IN (SELECT row_hash FROM "identity_work"."changed_logins");
ANALYZE "identity_work"."ins_logins";
-- the stored rows that this run replaces
DROP TABLE IF EXISTS "identity_work"."gone_logins";
CREATE UNLOGGED TABLE "identity_work"."gone_logins" AS
SELECT row_hash FROM "identity_work"."changed_logins" WHERE stored = 1;
ANALYZE "identity_work"."gone_logins";
-- the stored rows of logins that hold an identifier forgotten now
DROP TABLE IF EXISTS "identity_work"."fgt_rows_logins";
CREATE UNLOGGED TABLE "identity_work"."fgt_rows_logins" AS
SELECT row_hash, COUNT(*) AS n
FROM "identity_state"."rows_logins" s
WHERE s.n1 IN (SELECT node_id FROM "identity_work"."fgt_keys") OR s.n2 IN (SELECT node_id FROM "identity_work"."fgt_keys")
GROUP BY row_hash;
ANALYZE "identity_work"."fgt_rows_logins";
-- the stored rows that this run replaces or forgets
DROP TABLE IF EXISTS "identity_work"."gone_logins";
CREATE UNLOGGED TABLE "identity_work"."gone_logins" AS
SELECT row_hash FROM "identity_work"."changed_logins" WHERE stored = 1
UNION ALL
SELECT row_hash FROM "identity_work"."fgt_rows_logins";
ANALYZE "identity_work"."gone_logins";
DROP TABLE IF EXISTS "identity_work"."changed_logins";
-- their identifiers
DROP TABLE IF EXISTS "identity_work"."del_logins";
CREATE UNLOGGED TABLE "identity_work"."del_logins" AS
SELECT n1, v1, n2, v2, q1, q2 FROM "identity_state"."rows_logins" WHERE ((ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) OR row_hash IN (SELECT row_hash FROM "identity_work"."fgt_rows_logins")) AND row_hash IN (SELECT row_hash FROM "identity_work"."gone_logins");
ANALYZE "identity_work"."del_logins";
-- source crm (crm): the rows read again
DROP TABLE IF EXISTS "identity_work"."win_crm";
CREATE UNLOGGED TABLE "identity_work"."win_crm" AS
SELECT e.*, hashtextextended(concat_ws(chr(31), COALESCE(CAST(ts AS TEXT), '∅'), COALESCE(CAST(v1 AS TEXT), '∅'), COALESCE(CAST(q1 AS TEXT), '∅')), 0) AS row_hash
FROM (
SELECT
  ts,
  v1,
  q1,
  CASE WHEN v1 IS NULL OR q1 IS NOT NULL THEN NULL ELSE hashtextextended(concat_ws(chr(31), 'email', v1), 0) END AS n1
FROM (
  SELECT
    ts,
    v1,
    CAST(NULL AS TEXT) AS q1
  FROM (
    SELECT
      ts,
      NULLIF(LOWER(TRIM(r1)), '') AS v1
    FROM (
      SELECT
        CAST(NULL AS TIMESTAMP) AS ts,
        NULLIF(CAST("email" AS TEXT), '') AS r1
      FROM "crm"
    ) r
  ) v
) s
WHERE NOT ((v1 IS NOT NULL AND md5(('forget' || '|forget|' || 'email' || '|' || v1)) IN (SELECT value_hash FROM "identity_work"."fgt_hashes")))
) e;
ANALYZE "identity_work"."win_crm";
DROP TABLE IF EXISTS "identity_work"."fgt_hashes";
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
-- the stored rows of crm that hold an identifier forgotten now
DROP TABLE IF EXISTS "identity_work"."fgt_rows_crm";
CREATE UNLOGGED TABLE "identity_work"."fgt_rows_crm" AS
SELECT row_hash, COUNT(*) AS n
FROM "identity_state"."rows_crm" s
WHERE s.n1 IN (SELECT node_id FROM "identity_work"."fgt_keys")
GROUP BY row_hash;
ANALYZE "identity_work"."fgt_rows_crm";
-- the stored rows that this run replaces or forgets
DROP TABLE IF EXISTS "identity_work"."gone_crm";
CREATE UNLOGGED TABLE "identity_work"."gone_crm" AS
SELECT row_hash FROM "identity_work"."changed_crm" WHERE stored = 1
UNION ALL
SELECT row_hash FROM "identity_work"."fgt_rows_crm";
ANALYZE "identity_work"."gone_crm";
DROP TABLE IF EXISTS "identity_work"."changed_crm";
-- their identifiers
DROP TABLE IF EXISTS "identity_work"."del_crm";
CREATE UNLOGGED TABLE "identity_work"."del_crm" AS
SELECT n1, v1, q1 FROM "identity_state"."rows_crm" WHERE 1 = 1 AND row_hash IN (SELECT row_hash FROM "identity_work"."gone_crm");
ANALYZE "identity_work"."del_crm";

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
-- the rows of logins
DELETE FROM "identity_state"."rows_logins" WHERE ((ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) OR row_hash IN (SELECT row_hash FROM "identity_work"."fgt_rows_logins")) AND row_hash IN (SELECT row_hash FROM "identity_work"."gone_logins");
INSERT INTO "identity_state"."rows_logins" SELECT * FROM "identity_work"."ins_logins";
-- the rows of crm
DELETE FROM "identity_state"."rows_crm" WHERE 1 = 1 AND row_hash IN (SELECT row_hash FROM "identity_work"."gone_crm");
INSERT INTO "identity_state"."rows_crm" SELECT * FROM "identity_work"."ins_crm";
DELETE FROM "identity_state"."qvalues" WHERE 1 = 1;
INSERT INTO "identity_state"."qvalues" SELECT id_type, id_value, reason, evidence FROM "identity_work"."qvalues_new";
DELETE FROM "identity_state"."regions" WHERE node_id IN (SELECT node_id FROM "identity_work"."regions_write");
INSERT INTO "identity_state"."regions" SELECT * FROM (SELECT node_id, region, id_type FROM "identity_work"."regions_new") q WHERE q.node_id IN (SELECT node_id FROM "identity_work"."regions_write");
DELETE FROM "identity_state"."meta" WHERE 1 = 1;
INSERT INTO "identity_state"."meta" (section, fingerprint) VALUES ('layout', '5'), ('audiences', '74234e98afe7498f'), ('checks', 'a157d8ad65b576fe'), ('degrees', '84e3e2cc7fec8133'), ('id_salt', '21d2355ec15fdc06'), ('id_types', 'f56194c1cb5ceff2'), ('limits', '{}'), ('policy', '439083f38956ba51'), ('sources', '0c89f0a39832a7eb'), ('traits', '74234e98afe7498f');
INSERT INTO "identity"."id_changes" (run_id, changed_at, kind, old_universal_id, new_universal_id, identifiers) SELECT 0, CAST(LOCALTIMESTAMP AS TIMESTAMP), kind, old_universal_id, new_universal_id, identifiers FROM "identity_work"."changes";
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
COMMIT;

-- ===== stage views: the stitched views, which now leave out the rows of forgotten values
-- source logins with the universal id of each row
CREATE OR REPLACE VIEW "identity"."logins_stitched" AS
SELECT s.*, COALESCE(g1.universal_id, g2.universal_id, CAST(NULL AS TEXT)) AS universal_id
FROM "logins" s
LEFT JOIN "identity"."id_graph" g1 ON g1.id_type = 'user_id' AND g1.id_value = NULLIF(NULLIF(CAST(s."user_id" AS TEXT), ''), '')
LEFT JOIN "identity"."id_graph" g2 ON g2.id_type = 'email' AND g2.id_value = NULLIF(LOWER(TRIM(NULLIF(CAST(s."email" AS TEXT), ''))), '')
-- Rows holding a forgotten value are left out, as runs leave them out.
WHERE NOT EXISTS (
  SELECT 1 FROM "identity"."forget_audit" f
  WHERE f.value_hash IN (md5(('forget' || '|forget|' || 'user_id' || '|' || NULLIF(NULLIF(CAST(s."user_id" AS TEXT), ''), ''))), md5(('forget' || '|forget|' || 'email' || '|' || NULLIF(LOWER(TRIM(NULLIF(CAST(s."email" AS TEXT), ''))), ''))))
);
-- source crm with the universal id of each row
CREATE OR REPLACE VIEW "identity"."crm_stitched" AS
SELECT s.*, COALESCE(g1.universal_id, CAST(NULL AS TEXT)) AS universal_id
FROM "crm" s
LEFT JOIN "identity"."id_graph" g1 ON g1.id_type = 'email' AND g1.id_value = NULLIF(LOWER(TRIM(NULLIF(CAST(s."email" AS TEXT), ''))), '')
-- Rows holding a forgotten value are left out, as runs leave them out.
WHERE NOT EXISTS (
  SELECT 1 FROM "identity"."forget_audit" f
  WHERE f.value_hash IN (md5(('forget' || '|forget|' || 'email' || '|' || NULLIF(LOWER(TRIM(NULLIF(CAST(s."email" AS TEXT), ''))), ''))))
);
