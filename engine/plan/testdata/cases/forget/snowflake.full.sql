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

-- ===== stage extract: per source: each row's identifiers, normalized and checked, with their node ids
-- source logins (logins), kept as the rows read so far
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_STATE"."ROWS_LOGINS__NEXT" AS
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
    ) r
  ) v
) s
WHERE NOT ((v1 IS NOT NULL AND MD5(('forget' || '|forget|' || 'user_id' || '|' || v1)) IN (SELECT value_hash FROM "IDENTITY_WORK"."FGT_HASHES")) OR (v2 IS NOT NULL AND MD5(('forget' || '|forget|' || 'email' || '|' || v2)) IN (SELECT value_hash FROM "IDENTITY_WORK"."FGT_HASHES")))
) e;
-- source crm (crm), kept as the rows read so far
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_STATE"."ROWS_CRM__NEXT" AS
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

-- ===== stage publish: replace each table from its new version, then commit the history and the state together (this warehouse has no transactions over DDL; a publish that stops part-way is completed by the next run)
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY"."ID_GRAPH" CLONE "IDENTITY"."ID_GRAPH__NEXT" COPY GRANTS;
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY"."PROFILES" CLONE "IDENTITY"."PROFILES__NEXT" COPY GRANTS;
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY"."ID_EDGES" CLONE "IDENTITY"."ID_EDGES__NEXT" COPY GRANTS;
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY"."ID_QUARANTINE" CLONE "IDENTITY"."ID_QUARANTINE__NEXT" COPY GRANTS;
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY"."AUDIENCE_MEMBERS" CLONE "IDENTITY"."AUDIENCE_MEMBERS__NEXT" COPY GRANTS;
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
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_STATE"."ROWS_LOGINS" CLONE "IDENTITY_STATE"."ROWS_LOGINS__NEXT" COPY GRANTS;
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_STATE"."ROWS_CRM" CLONE "IDENTITY_STATE"."ROWS_CRM__NEXT" COPY GRANTS;
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_STATE"."HUBS" CLONE "IDENTITY_STATE"."HUBS__NEXT" COPY GRANTS;
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_STATE"."QVALUES" CLONE "IDENTITY_STATE"."QVALUES__NEXT" COPY GRANTS;
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_STATE"."REGIONS" CLONE "IDENTITY_STATE"."REGIONS__NEXT" COPY GRANTS;
-- together, once every table is in place (the runner first records this publish in the state's publish_journal, and commits its clearing here)
BEGIN;
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
DELETE FROM "IDENTITY_STATE"."META" WHERE 1 = 1;
INSERT INTO "IDENTITY_STATE"."META" (section, fingerprint) VALUES ('layout', '5'), ('audiences', '74234e98afe7498f'), ('checks', 'a157d8ad65b576fe'), ('degrees', '84e3e2cc7fec8133'), ('id_salt', '21d2355ec15fdc06'), ('id_types', 'f56194c1cb5ceff2'), ('limits', '{}'), ('policy', '439083f38956ba51'), ('sources', '0c89f0a39832a7eb'), ('traits', '74234e98afe7498f');
INSERT INTO "IDENTITY"."ID_CHANGES" (run_id, changed_at, kind, old_universal_id, new_universal_id, identifiers) SELECT 0, CAST(SYSDATE() AS TIMESTAMP), kind, old_universal_id, new_universal_id, identifiers FROM "IDENTITY"."ID_CHANGES__NEXT";
COMMIT;

-- ===== stage controls_after: the overrides' statuses and the forget requests carried out
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
