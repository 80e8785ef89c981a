-- idstitch plan: project identify, warehouse snowflake, components by contraction
-- The runner also records each run in the runs table; that bookkeeping is not part of this script, and run_id is 0 in what it writes.

-- ===== stage controls: the overrides and forget requests people wrote, normalized, and what changed since the last run
-- the forget requests waiting, normalized, with the salted hash forget_audit keeps
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."FGT_NEW" AS
SELECT request_id, action, id_type, id_value, requested_at, value_hash, problem,
  CASE WHEN problem IS NULL AND ROW_NUMBER() OVER (PARTITION BY problem, value_hash ORDER BY requested_at DESC NULLS LAST, request_id DESC) = 1 THEN 1 ELSE 0 END AS latest
FROM (
  SELECT request_id, action, id_type, id_value, requested_at,
    CASE WHEN id_value IS NULL THEN NULL ELSE MD5(('identify' || '|forget|' || id_type || '|' || id_value)) END AS value_hash,
    CASE
      WHEN request_id IS NULL THEN 'request_id is empty'
      WHEN action IS NULL OR action NOT IN ('forget', 'withdraw') THEN 'action must be forget or withdraw'
      WHEN id_type IS NULL OR id_type NOT IN ('user_id', 'email', 'anonymous_id') THEN 'id_type names no id type of the project'
      WHEN id_value IS NULL THEN 'id_value is empty after normalization'
    END AS problem
  FROM (
    SELECT request_id, action, id_type, requested_at,
      NULLIF(CASE id_type WHEN 'user_id' THEN id_value WHEN 'email' THEN LOWER(TRIM(id_value)) WHEN 'anonymous_id' THEN id_value END, '') AS id_value
    FROM "IDENTITY"."FORGET_REQUESTS"
  ) r
) h;
-- the node ids and universal ids of the identifiers forgotten now
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."FGT_KEYS" AS
SELECT HASH(id_type, id_value) AS node_id,
  MD5(('identify' || '|' || id_type || '|' || id_value)) AS universal_id
FROM "IDENTITY_WORK"."FGT_NEW" WHERE latest = 1 AND action = 'forget';
-- the hashes of every value forgotten
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."FGT_HASHES" AS
SELECT value_hash FROM "IDENTITY"."FORGET_AUDIT"
WHERE value_hash NOT IN (SELECT value_hash FROM "IDENTITY_WORK"."FGT_NEW" WHERE latest = 1 AND action = 'withdraw')
UNION ALL
SELECT value_hash FROM "IDENTITY_WORK"."FGT_NEW" WHERE latest = 1 AND action = 'forget';

-- ===== stage extract: per source: each row's identifiers, normalized and checked, with their node ids
-- source events (events), kept as the rows read so far
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_STATE"."ROWS_EVENTS__NEXT" AS
SELECT e.*, HASH(COALESCE(CAST(ts AS VARCHAR), '∅'), COALESCE(CAST(v1 AS VARCHAR), '∅'), COALESCE(CAST(q1 AS VARCHAR), '∅'), COALESCE(CAST(v2 AS VARCHAR), '∅'), COALESCE(CAST(q2 AS VARCHAR), '∅'), COALESCE(CAST(v3 AS VARCHAR), '∅'), COALESCE(CAST(q3 AS VARCHAR), '∅')) AS row_hash
FROM (
SELECT
  ts,
  v1,
  q1,
  CASE WHEN v1 IS NULL OR q1 IS NOT NULL THEN NULL ELSE HASH('user_id', v1) END AS n1,
  v2,
  q2,
  CASE WHEN v2 IS NULL OR q2 IS NOT NULL THEN NULL ELSE HASH('email', v2) END AS n2,
  v3,
  q3,
  CASE WHEN v3 IS NULL OR q3 IS NOT NULL THEN NULL ELSE HASH('anonymous_id', v3) END AS n3
FROM (
  SELECT
    ts,
    v1,
    CAST(NULL AS VARCHAR) AS q1,
    v2,
    CAST(NULL AS VARCHAR) AS q2,
    v3,
    CAST(NULL AS VARCHAR) AS q3
  FROM (
    SELECT
      ts,
      NULLIF(r1, '') AS v1,
      NULLIF(LOWER(TRIM(r2)), '') AS v2,
      NULLIF(r3, '') AS v3
    FROM (
      SELECT
        CAST("TS" AS TIMESTAMP) AS ts,
        NULLIF(CAST("USER_ID" AS VARCHAR), '') AS r1,
        NULLIF(CAST("EMAIL" AS VARCHAR), '') AS r2,
        NULLIF(CAST("ANONYMOUS_ID" AS VARCHAR), '') AS r3
      FROM "EVENTS"
    ) r
  ) v
) s
WHERE NOT ((v1 IS NOT NULL AND MD5(('identify' || '|forget|' || 'user_id' || '|' || v1)) IN (SELECT value_hash FROM "IDENTITY_WORK"."FGT_HASHES")) OR (v2 IS NOT NULL AND MD5(('identify' || '|forget|' || 'email' || '|' || v2)) IN (SELECT value_hash FROM "IDENTITY_WORK"."FGT_HASHES")) OR (v3 IS NOT NULL AND MD5(('identify' || '|forget|' || 'anonymous_id' || '|' || v3)) IN (SELECT value_hash FROM "IDENTITY_WORK"."FGT_HASHES")))
) e;
-- source identify (identity.identify_events), kept as the rows read so far
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_STATE"."ROWS_IDENTIFY__NEXT" AS
SELECT e.*, HASH(COALESCE(CAST(ts AS VARCHAR), '∅'), COALESCE(CAST(v1 AS VARCHAR), '∅'), COALESCE(CAST(q1 AS VARCHAR), '∅'), COALESCE(CAST(v2 AS VARCHAR), '∅'), COALESCE(CAST(q2 AS VARCHAR), '∅'), COALESCE(CAST(v3 AS VARCHAR), '∅'), COALESCE(CAST(q3 AS VARCHAR), '∅')) AS row_hash
FROM (
SELECT
  ts,
  v1,
  q1,
  CASE WHEN v1 IS NULL OR q1 IS NOT NULL THEN NULL ELSE HASH('user_id', v1) END AS n1,
  v2,
  q2,
  CASE WHEN v2 IS NULL OR q2 IS NOT NULL THEN NULL ELSE HASH('email', v2) END AS n2,
  v3,
  q3,
  CASE WHEN v3 IS NULL OR q3 IS NOT NULL THEN NULL ELSE HASH('anonymous_id', v3) END AS n3
FROM (
  SELECT
    ts,
    v1,
    CAST(NULL AS VARCHAR) AS q1,
    v2,
    CAST(NULL AS VARCHAR) AS q2,
    v3,
    CAST(NULL AS VARCHAR) AS q3
  FROM (
    SELECT
      ts,
      NULLIF(r1, '') AS v1,
      NULLIF(LOWER(TRIM(r2)), '') AS v2,
      NULLIF(r3, '') AS v3
    FROM (
      SELECT
        CAST("RECEIVED_AT" AS TIMESTAMP) AS ts,
        NULLIF(CAST("ID_USER_ID" AS VARCHAR), '') AS r1,
        NULLIF(CAST("ID_EMAIL" AS VARCHAR), '') AS r2,
        NULLIF(CAST("ID_ANONYMOUS_ID" AS VARCHAR), '') AS r3
      FROM "IDENTITY"."IDENTIFY_EVENTS"
    ) r
  ) v
) s
WHERE NOT ((v1 IS NOT NULL AND MD5(('identify' || '|forget|' || 'user_id' || '|' || v1)) IN (SELECT value_hash FROM "IDENTITY_WORK"."FGT_HASHES")) OR (v2 IS NOT NULL AND MD5(('identify' || '|forget|' || 'email' || '|' || v2)) IN (SELECT value_hash FROM "IDENTITY_WORK"."FGT_HASHES")) OR (v3 IS NOT NULL AND MD5(('identify' || '|forget|' || 'anonymous_id' || '|' || v3)) IN (SELECT value_hash FROM "IDENTITY_WORK"."FGT_HASHES")))
) e;

-- ===== stage publish: replace each table from its new version, then commit the history and the state together (this warehouse has no transactions over DDL; a publish that stops part-way is completed by the next run)
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY"."ID_GRAPH" CLONE "IDENTITY"."ID_GRAPH__NEXT" COPY GRANTS;
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY"."PROFILES" CLONE "IDENTITY"."PROFILES__NEXT" COPY GRANTS;
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY"."ID_EDGES" CLONE "IDENTITY"."ID_EDGES__NEXT" COPY GRANTS;
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY"."ID_QUARANTINE" CLONE "IDENTITY"."ID_QUARANTINE__NEXT" COPY GRANTS;
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY"."AUDIENCE_MEMBERS" CLONE "IDENTITY"."AUDIENCE_MEMBERS__NEXT" COPY GRANTS;
-- source events with the universal id of each row
CREATE OR REPLACE VIEW "IDENTITY"."EVENTS_STITCHED" COPY GRANTS AS
SELECT s.*, COALESCE(g1.universal_id, g2.universal_id, g3.universal_id, CAST(NULL AS VARCHAR)) AS universal_id
FROM "EVENTS" s
LEFT JOIN "IDENTITY"."ID_GRAPH" g1 ON g1.id_type = 'user_id' AND g1.id_value = NULLIF(NULLIF(CAST(s."USER_ID" AS VARCHAR), ''), '')
LEFT JOIN "IDENTITY"."ID_GRAPH" g2 ON g2.id_type = 'email' AND g2.id_value = NULLIF(LOWER(TRIM(NULLIF(CAST(s."EMAIL" AS VARCHAR), ''))), '')
LEFT JOIN "IDENTITY"."ID_GRAPH" g3 ON g3.id_type = 'anonymous_id' AND g3.id_value = NULLIF(NULLIF(CAST(s."ANONYMOUS_ID" AS VARCHAR), ''), '')
-- Rows holding a forgotten value are left out, as runs leave them out.
WHERE NOT EXISTS (
  SELECT 1 FROM "IDENTITY"."FORGET_AUDIT" f
  WHERE f.value_hash IN (MD5(('identify' || '|forget|' || 'user_id' || '|' || NULLIF(NULLIF(CAST(s."USER_ID" AS VARCHAR), ''), ''))), MD5(('identify' || '|forget|' || 'email' || '|' || NULLIF(LOWER(TRIM(NULLIF(CAST(s."EMAIL" AS VARCHAR), ''))), ''))), MD5(('identify' || '|forget|' || 'anonymous_id' || '|' || NULLIF(NULLIF(CAST(s."ANONYMOUS_ID" AS VARCHAR), ''), ''))))
);
-- source identify with the universal id of each row
CREATE OR REPLACE VIEW "IDENTITY"."IDENTIFY_STITCHED" COPY GRANTS AS
SELECT s.*, COALESCE(g1.universal_id, g2.universal_id, g3.universal_id, CAST(NULL AS VARCHAR)) AS universal_id
FROM "IDENTITY"."IDENTIFY_EVENTS" s
LEFT JOIN "IDENTITY"."ID_GRAPH" g1 ON g1.id_type = 'user_id' AND g1.id_value = NULLIF(NULLIF(CAST(s."ID_USER_ID" AS VARCHAR), ''), '')
LEFT JOIN "IDENTITY"."ID_GRAPH" g2 ON g2.id_type = 'email' AND g2.id_value = NULLIF(LOWER(TRIM(NULLIF(CAST(s."ID_EMAIL" AS VARCHAR), ''))), '')
LEFT JOIN "IDENTITY"."ID_GRAPH" g3 ON g3.id_type = 'anonymous_id' AND g3.id_value = NULLIF(NULLIF(CAST(s."ID_ANONYMOUS_ID" AS VARCHAR), ''), '')
-- Rows holding a forgotten value are left out, as runs leave them out.
WHERE NOT EXISTS (
  SELECT 1 FROM "IDENTITY"."FORGET_AUDIT" f
  WHERE f.value_hash IN (MD5(('identify' || '|forget|' || 'user_id' || '|' || NULLIF(NULLIF(CAST(s."ID_USER_ID" AS VARCHAR), ''), ''))), MD5(('identify' || '|forget|' || 'email' || '|' || NULLIF(LOWER(TRIM(NULLIF(CAST(s."ID_EMAIL" AS VARCHAR), ''))), ''))), MD5(('identify' || '|forget|' || 'anonymous_id' || '|' || NULLIF(NULLIF(CAST(s."ID_ANONYMOUS_ID" AS VARCHAR), ''), ''))))
);
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_STATE"."ROWS_EVENTS" CLONE "IDENTITY_STATE"."ROWS_EVENTS__NEXT" COPY GRANTS;
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_STATE"."ROWS_IDENTIFY" CLONE "IDENTITY_STATE"."ROWS_IDENTIFY__NEXT" COPY GRANTS;
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
INSERT INTO "IDENTITY_STATE"."META" (section, fingerprint) VALUES ('layout', '5'), ('audiences', '74234e98afe7498f'), ('checks', '7b5219e6ed221e25'), ('degrees', '2833ac7524c0f216'), ('id_salt', 'f8bd0d01fe7fe626'), ('id_types', '26c4a9f56526cd0a'), ('limits', '{}'), ('policy', '439083f38956ba51'), ('sources', 'e03cf3f26c0e16cb'), ('traits', '74234e98afe7498f');
INSERT INTO "IDENTITY"."ID_CHANGES" (run_id, changed_at, kind, old_universal_id, new_universal_id, identifiers) SELECT 0, CAST(SYSDATE() AS TIMESTAMP), kind, old_universal_id, new_universal_id, identifiers FROM "IDENTITY"."ID_CHANGES__NEXT";
COMMIT;

-- ===== stage controls_after: the overrides' statuses and the forget requests carried out
-- identify answers the run published otherwise, as provisional changes
INSERT INTO "IDENTITY"."ID_CHANGES" (run_id, changed_at, kind, old_universal_id, new_universal_id, identifiers)
SELECT 0, CAST(SYSDATE() AS TIMESTAMP), 'provisional', c.answered_id, c.universal_id, CAST(COUNT(*) AS BIGINT)
FROM (
  SELECT DISTINCT e.answered_id, e.answered_type, e.answered_value, g.universal_id
  FROM "IDENTITY"."IDENTIFY_EVENTS" e
  LEFT JOIN "IDENTITY"."ID_GRAPH" g ON g.id_type = e.answered_type AND g.id_value = e.answered_value
  WHERE e.confirmed_run IS NULL
    AND e.received_at <= (SELECT MAX(started_at) FROM "IDENTITY"."RUNS" WHERE run_id = 0)
    AND (g.universal_id IS NULL OR g.universal_id <> e.answered_id)
) c
WHERE NOT EXISTS (SELECT 1 FROM "IDENTITY"."ID_CHANGES" x WHERE x.run_id = 0 AND x.kind = 'provisional')
GROUP BY c.answered_id, c.universal_id;
-- the identify calls the run read, confirmed
UPDATE "IDENTITY"."IDENTIFY_EVENTS" SET confirmed_run = 0
WHERE confirmed_run IS NULL
  AND received_at <= (SELECT MAX(started_at) FROM "IDENTITY"."RUNS" WHERE run_id = 0);
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
UPDATE "IDENTITY"."IDENTIFY_EVENTS" SET
  "ID_USER_ID" = CASE WHEN "ID_USER_ID" IN (SELECT f.id_value FROM "IDENTITY_WORK"."FGT_NEW" f WHERE f.id_type = 'user_id' AND f.action = 'forget' AND f.latest = 1) THEN NULL ELSE "ID_USER_ID" END,
  answered_value = CASE WHEN answered_type = 'user_id' AND answered_value IN (SELECT f.id_value FROM "IDENTITY_WORK"."FGT_NEW" f WHERE f.id_type = 'user_id' AND f.action = 'forget' AND f.latest = 1) THEN NULL ELSE answered_value END
WHERE "ID_USER_ID" IN (SELECT f.id_value FROM "IDENTITY_WORK"."FGT_NEW" f WHERE f.id_type = 'user_id' AND f.action = 'forget' AND f.latest = 1)
  OR (answered_type = 'user_id' AND answered_value IN (SELECT f.id_value FROM "IDENTITY_WORK"."FGT_NEW" f WHERE f.id_type = 'user_id' AND f.action = 'forget' AND f.latest = 1));
UPDATE "IDENTITY"."IDENTIFY_EVENTS" SET
  "ID_EMAIL" = CASE WHEN LOWER(TRIM("ID_EMAIL")) IN (SELECT f.id_value FROM "IDENTITY_WORK"."FGT_NEW" f WHERE f.id_type = 'email' AND f.action = 'forget' AND f.latest = 1) THEN NULL ELSE "ID_EMAIL" END,
  answered_value = CASE WHEN answered_type = 'email' AND answered_value IN (SELECT f.id_value FROM "IDENTITY_WORK"."FGT_NEW" f WHERE f.id_type = 'email' AND f.action = 'forget' AND f.latest = 1) THEN NULL ELSE answered_value END
WHERE LOWER(TRIM("ID_EMAIL")) IN (SELECT f.id_value FROM "IDENTITY_WORK"."FGT_NEW" f WHERE f.id_type = 'email' AND f.action = 'forget' AND f.latest = 1)
  OR (answered_type = 'email' AND answered_value IN (SELECT f.id_value FROM "IDENTITY_WORK"."FGT_NEW" f WHERE f.id_type = 'email' AND f.action = 'forget' AND f.latest = 1));
UPDATE "IDENTITY"."IDENTIFY_EVENTS" SET
  "ID_ANONYMOUS_ID" = CASE WHEN "ID_ANONYMOUS_ID" IN (SELECT f.id_value FROM "IDENTITY_WORK"."FGT_NEW" f WHERE f.id_type = 'anonymous_id' AND f.action = 'forget' AND f.latest = 1) THEN NULL ELSE "ID_ANONYMOUS_ID" END,
  answered_value = CASE WHEN answered_type = 'anonymous_id' AND answered_value IN (SELECT f.id_value FROM "IDENTITY_WORK"."FGT_NEW" f WHERE f.id_type = 'anonymous_id' AND f.action = 'forget' AND f.latest = 1) THEN NULL ELSE answered_value END
WHERE "ID_ANONYMOUS_ID" IN (SELECT f.id_value FROM "IDENTITY_WORK"."FGT_NEW" f WHERE f.id_type = 'anonymous_id' AND f.action = 'forget' AND f.latest = 1)
  OR (answered_type = 'anonymous_id' AND answered_value IN (SELECT f.id_value FROM "IDENTITY_WORK"."FGT_NEW" f WHERE f.id_type = 'anonymous_id' AND f.action = 'forget' AND f.latest = 1));
UPDATE "IDENTITY"."IDENTIFY_EVENTS" SET answered_id = NULL
WHERE answered_id IN (SELECT universal_id FROM "IDENTITY_WORK"."FGT_KEYS");
DELETE FROM "IDENTITY"."DELIVERY_DEAD_LETTERS"
WHERE EXISTS (SELECT 1 FROM "IDENTITY_WORK"."FGT_NEW" f WHERE f.action = 'forget' AND f.latest = 1 AND f.id_value IS NOT NULL
    AND payload LIKE ('%' || f.id_value || '%'))
  OR EXISTS (SELECT 1 FROM "IDENTITY_WORK"."FGT_KEYS" k WHERE payload LIKE ('%' || k.universal_id || '%'));
