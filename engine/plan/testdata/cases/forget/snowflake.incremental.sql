-- idstitch plan: project forget, warehouse snowflake, components by contraction
-- The runner also records each run in the runs table; that bookkeeping is not part of this script, and run_id is 0 in what it writes.

-- ===== stage controls: the overrides and forget requests people wrote, normalized, and what changed since the last run
-- the forget requests waiting, normalized, with the salted hash forget_audit keeps
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."FGT_NEW" AS
SELECT request_id, action, id_type, id_value, requested_at, value_hash, problem,
  CASE WHEN problem IS NULL AND ROW_NUMBER() OVER (PARTITION BY problem, value_hash ORDER BY requested_at DESC NULLS LAST, request_id DESC) = 1 THEN 1 ELSE 0 END AS latest
FROM (
  SELECT request_id, action, id_type, id_value, requested_at,
    CASE WHEN id_value IS NULL THEN NULL ELSE MD5(('forget' || '|forget|' || id_type || '|' || id_value)) END AS value_hash,
    CASE
      WHEN request_id IS NULL THEN 'request_id is empty'
      WHEN action IS NULL OR action NOT IN ('forget', 'withdraw') THEN 'action must be forget or withdraw'
      WHEN id_type IS NULL OR id_type NOT IN ('user_id', 'email') THEN 'id_type names no id type of the project'
      WHEN id_value IS NULL THEN 'id_value is empty after normalization'
    END AS problem
  FROM (
    SELECT request_id, action, id_type, requested_at,
      NULLIF(CASE id_type WHEN 'user_id' THEN id_value WHEN 'email' THEN LOWER(TRIM(id_value)) END, '') AS id_value
    FROM "IDENTITY"."FORGET_REQUESTS"
  ) r
) h;
-- the node ids and universal ids of the identifiers forgotten now
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."FGT_KEYS" AS
SELECT HASH(id_type, id_value) AS node_id,
  MD5(('forget' || '|' || id_type || '|' || id_value)) AS universal_id
FROM "IDENTITY_WORK"."FGT_NEW" WHERE latest = 1 AND action = 'forget';
-- the hashes of every value forgotten
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."FGT_HASHES" AS
SELECT value_hash FROM "IDENTITY"."FORGET_AUDIT"
WHERE value_hash NOT IN (SELECT value_hash FROM "IDENTITY_WORK"."FGT_NEW" WHERE latest = 1 AND action = 'withdraw')
UNION ALL
SELECT value_hash FROM "IDENTITY_WORK"."FGT_NEW" WHERE latest = 1 AND action = 'forget';

-- ===== stage extract: per source: the rows from the watermark less the lookback, and which of them are new or changed
-- source logins (logins): the rows read again
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."WIN_LOGINS" AS
SELECT e.*, HASH(COALESCE(CAST(ts AS VARCHAR), '∅'), COALESCE(CAST(v1 AS VARCHAR), '∅'), COALESCE(CAST(q1 AS VARCHAR), '∅'), COALESCE(CAST(v2 AS VARCHAR), '∅'), COALESCE(CAST(q2 AS VARCHAR), '∅')) AS row_hash
FROM (
SELECT
  ts,
  v1,
  q1,
  CASE WHEN v1 IS NULL OR q1 IS NOT NULL THEN NULL ELSE HASH('user_id', v1) END AS n1,
  v2,
  q2,
  CASE WHEN v2 IS NULL OR q2 IS NOT NULL THEN NULL ELSE HASH('email', v2) END AS n2
FROM (
  SELECT
    ts,
    v1,
    CAST(NULL AS VARCHAR) AS q1,
    v2,
    CAST(NULL AS VARCHAR) AS q2
  FROM (
    SELECT
      ts,
      NULLIF(r1, '') AS v1,
      NULLIF(LOWER(TRIM(r2)), '') AS v2
    FROM (
      SELECT
        CAST("TS" AS TIMESTAMP) AS ts,
        NULLIF(CAST("USER_ID" AS VARCHAR), '') AS r1,
        NULLIF(CAST("EMAIL" AS VARCHAR), '') AS r2
      FROM "LOGINS"
      WHERE (CAST("TS" AS TIMESTAMP) IS NULL OR CAST("TS" AS TIMESTAMP) >= CAST('2026-10-29 00:00:00' AS TIMESTAMP))
    ) r
  ) v
) s
WHERE NOT ((v1 IS NOT NULL AND MD5(('forget' || '|forget|' || 'user_id' || '|' || v1)) IN (SELECT value_hash FROM "IDENTITY_WORK"."FGT_HASHES")) OR (v2 IS NOT NULL AND MD5(('forget' || '|forget|' || 'email' || '|' || v2)) IN (SELECT value_hash FROM "IDENTITY_WORK"."FGT_HASHES")))
) e;
-- rows whose count differs from the stored ones
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."CHANGED_LOGINS" AS
SELECT COALESCE(n.row_hash, o.row_hash) AS row_hash, CASE WHEN o.c IS NULL THEN 0 ELSE 1 END AS stored
FROM (SELECT row_hash, COUNT(*) AS c FROM "IDENTITY_WORK"."WIN_LOGINS" GROUP BY row_hash) n
FULL OUTER JOIN (
  SELECT row_hash, COUNT(*) AS c FROM "IDENTITY_STATE"."ROWS_LOGINS" s WHERE (ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) GROUP BY row_hash
) o ON n.row_hash = o.row_hash
WHERE n.c IS NULL OR o.c IS NULL OR n.c <> o.c;
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."INS_LOGINS" AS
SELECT * FROM "IDENTITY_WORK"."WIN_LOGINS" WHERE row_hash IN (SELECT row_hash FROM "IDENTITY_WORK"."CHANGED_LOGINS");
-- the stored rows that this run replaces
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."GONE_LOGINS" AS
SELECT row_hash FROM "IDENTITY_WORK"."CHANGED_LOGINS" WHERE stored = 1;
-- the stored rows of logins that hold an identifier forgotten now
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."FGT_ROWS_LOGINS" AS
SELECT row_hash, COUNT(*) AS n
FROM "IDENTITY_STATE"."ROWS_LOGINS" s
WHERE s.n1 IN (SELECT node_id FROM "IDENTITY_WORK"."FGT_KEYS") OR s.n2 IN (SELECT node_id FROM "IDENTITY_WORK"."FGT_KEYS")
GROUP BY row_hash;
-- the stored rows that this run replaces or forgets
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."GONE_LOGINS" AS
SELECT row_hash FROM "IDENTITY_WORK"."CHANGED_LOGINS" WHERE stored = 1
UNION ALL
SELECT row_hash FROM "IDENTITY_WORK"."FGT_ROWS_LOGINS";
-- their identifiers
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."DEL_LOGINS" AS
SELECT n1, v1, n2, v2, q1, q2 FROM "IDENTITY_STATE"."ROWS_LOGINS" WHERE ((ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) OR row_hash IN (SELECT row_hash FROM "IDENTITY_WORK"."FGT_ROWS_LOGINS")) AND row_hash IN (SELECT row_hash FROM "IDENTITY_WORK"."GONE_LOGINS");
-- source crm (crm): the rows read again
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."WIN_CRM" AS
SELECT e.*, HASH(COALESCE(CAST(ts AS VARCHAR), '∅'), COALESCE(CAST(v1 AS VARCHAR), '∅'), COALESCE(CAST(q1 AS VARCHAR), '∅')) AS row_hash
FROM (
SELECT
  ts,
  v1,
  q1,
  CASE WHEN v1 IS NULL OR q1 IS NOT NULL THEN NULL ELSE HASH('email', v1) END AS n1
FROM (
  SELECT
    ts,
    v1,
    CAST(NULL AS VARCHAR) AS q1
  FROM (
    SELECT
      ts,
      NULLIF(LOWER(TRIM(r1)), '') AS v1
    FROM (
      SELECT
        CAST(NULL AS TIMESTAMP) AS ts,
        NULLIF(CAST("EMAIL" AS VARCHAR), '') AS r1
      FROM "CRM"
    ) r
  ) v
) s
WHERE NOT ((v1 IS NOT NULL AND MD5(('forget' || '|forget|' || 'email' || '|' || v1)) IN (SELECT value_hash FROM "IDENTITY_WORK"."FGT_HASHES")))
) e;
-- rows whose count differs from the stored ones
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."CHANGED_CRM" AS
SELECT COALESCE(n.row_hash, o.row_hash) AS row_hash, CASE WHEN o.c IS NULL THEN 0 ELSE 1 END AS stored
FROM (SELECT row_hash, COUNT(*) AS c FROM "IDENTITY_WORK"."WIN_CRM" GROUP BY row_hash) n
FULL OUTER JOIN (
  SELECT row_hash, COUNT(*) AS c FROM "IDENTITY_STATE"."ROWS_CRM" s WHERE 1 = 1 GROUP BY row_hash
) o ON n.row_hash = o.row_hash
WHERE n.c IS NULL OR o.c IS NULL OR n.c <> o.c;
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."INS_CRM" AS
SELECT * FROM "IDENTITY_WORK"."WIN_CRM" WHERE row_hash IN (SELECT row_hash FROM "IDENTITY_WORK"."CHANGED_CRM");
-- the stored rows that this run replaces
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."GONE_CRM" AS
SELECT row_hash FROM "IDENTITY_WORK"."CHANGED_CRM" WHERE stored = 1;
-- the stored rows of crm that hold an identifier forgotten now
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."FGT_ROWS_CRM" AS
SELECT row_hash, COUNT(*) AS n
FROM "IDENTITY_STATE"."ROWS_CRM" s
WHERE s.n1 IN (SELECT node_id FROM "IDENTITY_WORK"."FGT_KEYS")
GROUP BY row_hash;
-- the stored rows that this run replaces or forgets
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."GONE_CRM" AS
SELECT row_hash FROM "IDENTITY_WORK"."CHANGED_CRM" WHERE stored = 1
UNION ALL
SELECT row_hash FROM "IDENTITY_WORK"."FGT_ROWS_CRM";
-- their identifiers
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."DEL_CRM" AS
SELECT n1, v1, q1 FROM "IDENTITY_STATE"."ROWS_CRM" WHERE 1 = 1 AND row_hash IN (SELECT row_hash FROM "IDENTITY_WORK"."GONE_CRM");

-- ===== stage publish: replace the recomputed regions' rows and update the state, all together
BEGIN;
DELETE FROM "IDENTITY"."ID_GRAPH" WHERE node_id IN (SELECT node_id FROM "IDENTITY_WORK"."GRAPH_WRITE");
INSERT INTO "IDENTITY"."ID_GRAPH" SELECT * FROM (SELECT universal_id, id_type, id_value, first_seen_at, last_seen_at, row_count, node_id
FROM "IDENTITY_WORK"."GRAPH") q WHERE q.node_id IN (SELECT node_id FROM "IDENTITY_WORK"."GRAPH_WRITE");
DELETE FROM "IDENTITY"."PROFILES" WHERE universal_id IN (SELECT universal_id FROM "IDENTITY_WORK"."REDO_IDS");
INSERT INTO "IDENTITY"."PROFILES" SELECT * FROM "IDENTITY_WORK"."PROFILES_REGION";
DELETE FROM "IDENTITY"."ID_EDGES" USING (
  SELECT s_universal_id, s_id_type_a, s_id_value_a, s_id_type_b, s_id_value_b
  FROM "IDENTITY_WORK"."EDGES_DIFF" WHERE s_universal_id IS NOT NULL
) s
WHERE universal_id = s.s_universal_id AND id_type_a = s.s_id_type_a AND id_value_a = s.s_id_value_a
  AND id_type_b = s.s_id_type_b AND id_value_b = s.s_id_value_b;
INSERT INTO "IDENTITY"."ID_EDGES"
SELECT universal_id, id_type_a, id_value_a, id_type_b, id_value_b, row_count, first_seen_at, last_seen_at, sources
FROM "IDENTITY_WORK"."EDGES_DIFF"
WHERE universal_id IS NOT NULL;
UPDATE "IDENTITY"."AUDIENCE_HISTORY" AS h
SET exited_at = CAST(SYSDATE() AS TIMESTAMP)
WHERE h.exited_at IS NULL
  AND NOT EXISTS (
    SELECT 1 FROM "IDENTITY"."AUDIENCE_MEMBERS__NEXT" n
    WHERE n.audience = h.audience AND n.universal_id = h.universal_id
  );
INSERT INTO "IDENTITY"."AUDIENCE_HISTORY" (audience, universal_id, entered_at, exited_at, run_id)
SELECT n.audience, n.universal_id, n.entered_at, CAST(NULL AS TIMESTAMP), CAST(0 AS BIGINT)
FROM "IDENTITY"."AUDIENCE_MEMBERS__NEXT" n
WHERE NOT EXISTS (
  SELECT 1 FROM "IDENTITY"."AUDIENCE_HISTORY" h
  WHERE h.exited_at IS NULL AND h.audience = n.audience AND h.universal_id = n.universal_id
);
DELETE FROM "IDENTITY"."ID_QUARANTINE" WHERE 1 = 1;
INSERT INTO "IDENTITY"."ID_QUARANTINE" SELECT * FROM "IDENTITY"."ID_QUARANTINE__NEXT";
DELETE FROM "IDENTITY"."AUDIENCE_MEMBERS" WHERE 1 = 1;
INSERT INTO "IDENTITY"."AUDIENCE_MEMBERS" SELECT * FROM "IDENTITY"."AUDIENCE_MEMBERS__NEXT";
-- the rows of logins
DELETE FROM "IDENTITY_STATE"."ROWS_LOGINS" WHERE ((ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) OR row_hash IN (SELECT row_hash FROM "IDENTITY_WORK"."FGT_ROWS_LOGINS")) AND row_hash IN (SELECT row_hash FROM "IDENTITY_WORK"."GONE_LOGINS");
INSERT INTO "IDENTITY_STATE"."ROWS_LOGINS" SELECT * FROM "IDENTITY_WORK"."INS_LOGINS";
-- the rows of crm
DELETE FROM "IDENTITY_STATE"."ROWS_CRM" WHERE 1 = 1 AND row_hash IN (SELECT row_hash FROM "IDENTITY_WORK"."GONE_CRM");
INSERT INTO "IDENTITY_STATE"."ROWS_CRM" SELECT * FROM "IDENTITY_WORK"."INS_CRM";
DELETE FROM "IDENTITY_STATE"."QVALUES" WHERE 1 = 1;
INSERT INTO "IDENTITY_STATE"."QVALUES" SELECT id_type, id_value, reason, evidence FROM "IDENTITY_WORK"."QVALUES_NEW";
DELETE FROM "IDENTITY_STATE"."REGIONS" WHERE node_id IN (SELECT node_id FROM "IDENTITY_WORK"."REGIONS_WRITE");
INSERT INTO "IDENTITY_STATE"."REGIONS" SELECT * FROM (SELECT node_id, region, id_type FROM "IDENTITY_WORK"."REGIONS_NEW") q WHERE q.node_id IN (SELECT node_id FROM "IDENTITY_WORK"."REGIONS_WRITE");
DELETE FROM "IDENTITY_STATE"."META" WHERE 1 = 1;
INSERT INTO "IDENTITY_STATE"."META" (section, fingerprint) VALUES ('layout', '5'), ('audiences', '74234e98afe7498f'), ('checks', 'a157d8ad65b576fe'), ('degrees', '84e3e2cc7fec8133'), ('id_salt', '21d2355ec15fdc06'), ('id_types', 'f56194c1cb5ceff2'), ('limits', '{}'), ('policy', '439083f38956ba51'), ('sources', '0c89f0a39832a7eb'), ('traits', '74234e98afe7498f');
INSERT INTO "IDENTITY"."ID_CHANGES" (run_id, changed_at, kind, old_universal_id, new_universal_id, identifiers) SELECT 0, CAST(SYSDATE() AS TIMESTAMP), kind, old_universal_id, new_universal_id, identifiers FROM "IDENTITY_WORK"."CHANGES";
INSERT INTO "IDENTITY"."FORGET_AUDIT" (value_hash, requested_at, forgotten_at, run_id)
SELECT value_hash, requested_at, SYSDATE(), 0
FROM "IDENTITY_WORK"."FGT_NEW"
WHERE latest = 1 AND action = 'forget' AND value_hash NOT IN (SELECT value_hash FROM "IDENTITY"."FORGET_AUDIT");
DELETE FROM "IDENTITY"."FORGET_AUDIT"
WHERE value_hash IN (SELECT value_hash FROM "IDENTITY_WORK"."FGT_NEW" WHERE latest = 1 AND action = 'withdraw');
DELETE FROM "IDENTITY"."FORGET_REQUESTS"
WHERE request_id IN (SELECT request_id FROM "IDENTITY_WORK"."FGT_NEW" WHERE problem IS NULL);
DELETE FROM "IDENTITY"."ID_CHANGES"
WHERE old_universal_id IN (SELECT universal_id FROM "IDENTITY_WORK"."FGT_KEYS") OR new_universal_id IN (SELECT universal_id FROM "IDENTITY_WORK"."FGT_KEYS");
DELETE FROM "IDENTITY"."AUDIENCE_HISTORY"
WHERE universal_id IN (SELECT universal_id FROM "IDENTITY_WORK"."FGT_KEYS");
COMMIT;

-- ===== stage views: the stitched views, which now leave out the rows of forgotten values
-- source logins with the universal id of each row
CREATE OR REPLACE VIEW "IDENTITY"."LOGINS_STITCHED" COPY GRANTS AS
SELECT s.*, COALESCE(g1.universal_id, g2.universal_id, CAST(NULL AS VARCHAR)) AS universal_id
FROM "LOGINS" s
LEFT JOIN "IDENTITY"."ID_GRAPH" g1 ON g1.id_type = 'user_id' AND g1.id_value = NULLIF(NULLIF(CAST(s."USER_ID" AS VARCHAR), ''), '')
LEFT JOIN "IDENTITY"."ID_GRAPH" g2 ON g2.id_type = 'email' AND g2.id_value = NULLIF(LOWER(TRIM(NULLIF(CAST(s."EMAIL" AS VARCHAR), ''))), '')
-- Rows holding a forgotten value are left out, as runs leave them out.
WHERE NOT EXISTS (
  SELECT 1 FROM "IDENTITY"."FORGET_AUDIT" f
  WHERE f.value_hash IN (MD5(('forget' || '|forget|' || 'user_id' || '|' || NULLIF(NULLIF(CAST(s."USER_ID" AS VARCHAR), ''), ''))), MD5(('forget' || '|forget|' || 'email' || '|' || NULLIF(LOWER(TRIM(NULLIF(CAST(s."EMAIL" AS VARCHAR), ''))), ''))))
);
-- source crm with the universal id of each row
CREATE OR REPLACE VIEW "IDENTITY"."CRM_STITCHED" COPY GRANTS AS
SELECT s.*, COALESCE(g1.universal_id, CAST(NULL AS VARCHAR)) AS universal_id
FROM "CRM" s
LEFT JOIN "IDENTITY"."ID_GRAPH" g1 ON g1.id_type = 'email' AND g1.id_value = NULLIF(LOWER(TRIM(NULLIF(CAST(s."EMAIL" AS VARCHAR), ''))), '')
-- Rows holding a forgotten value are left out, as runs leave them out.
WHERE NOT EXISTS (
  SELECT 1 FROM "IDENTITY"."FORGET_AUDIT" f
  WHERE f.value_hash IN (MD5(('forget' || '|forget|' || 'email' || '|' || NULLIF(LOWER(TRIM(NULLIF(CAST(s."EMAIL" AS VARCHAR), ''))), ''))))
);
