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

-- ===== stage extract: per source: the rows from the watermark less the lookback, and which of them are new or changed
-- source events (events): the rows read again
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."WIN_EVENTS" AS
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
      WHERE (CAST("TS" AS TIMESTAMP) IS NULL OR CAST("TS" AS TIMESTAMP) >= CAST('2026-10-29 00:00:00' AS TIMESTAMP))
    ) r
  ) v
) s
WHERE NOT ((v1 IS NOT NULL AND MD5(('identify' || '|forget|' || 'user_id' || '|' || v1)) IN (SELECT value_hash FROM "IDENTITY_WORK"."FGT_HASHES")) OR (v2 IS NOT NULL AND MD5(('identify' || '|forget|' || 'email' || '|' || v2)) IN (SELECT value_hash FROM "IDENTITY_WORK"."FGT_HASHES")) OR (v3 IS NOT NULL AND MD5(('identify' || '|forget|' || 'anonymous_id' || '|' || v3)) IN (SELECT value_hash FROM "IDENTITY_WORK"."FGT_HASHES")))
) e;
-- rows whose count differs from the stored ones
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."CHANGED_EVENTS" AS
SELECT COALESCE(n.row_hash, o.row_hash) AS row_hash, CASE WHEN o.c IS NULL THEN 0 ELSE 1 END AS stored
FROM (SELECT row_hash, COUNT(*) AS c FROM "IDENTITY_WORK"."WIN_EVENTS" GROUP BY row_hash) n
FULL OUTER JOIN (
  SELECT row_hash, COUNT(*) AS c FROM "IDENTITY_STATE"."ROWS_EVENTS" s WHERE (ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) GROUP BY row_hash
) o ON n.row_hash = o.row_hash
WHERE n.c IS NULL OR o.c IS NULL OR n.c <> o.c;
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."INS_EVENTS" AS
SELECT * FROM "IDENTITY_WORK"."WIN_EVENTS" WHERE row_hash IN (SELECT row_hash FROM "IDENTITY_WORK"."CHANGED_EVENTS");
-- the stored rows that this run replaces
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."GONE_EVENTS" AS
SELECT row_hash FROM "IDENTITY_WORK"."CHANGED_EVENTS" WHERE stored = 1;
-- the stored rows of events that hold an identifier forgotten now
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."FGT_ROWS_EVENTS" AS
SELECT row_hash, COUNT(*) AS n
FROM "IDENTITY_STATE"."ROWS_EVENTS" s
WHERE s.n1 IN (SELECT node_id FROM "IDENTITY_WORK"."FGT_KEYS") OR s.n2 IN (SELECT node_id FROM "IDENTITY_WORK"."FGT_KEYS") OR s.n3 IN (SELECT node_id FROM "IDENTITY_WORK"."FGT_KEYS")
GROUP BY row_hash;
-- the stored rows that this run replaces or forgets
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."GONE_EVENTS" AS
SELECT row_hash FROM "IDENTITY_WORK"."CHANGED_EVENTS" WHERE stored = 1
UNION ALL
SELECT row_hash FROM "IDENTITY_WORK"."FGT_ROWS_EVENTS";
-- their identifiers
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."DEL_EVENTS" AS
SELECT n1, v1, n2, v2, n3, v3, q1, q2, q3 FROM "IDENTITY_STATE"."ROWS_EVENTS" WHERE ((ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) OR row_hash IN (SELECT row_hash FROM "IDENTITY_WORK"."FGT_ROWS_EVENTS")) AND row_hash IN (SELECT row_hash FROM "IDENTITY_WORK"."GONE_EVENTS");
-- source identify (identity.identify_events): the rows read again
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."WIN_IDENTIFY" AS
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
      WHERE (CAST("RECEIVED_AT" AS TIMESTAMP) IS NULL OR CAST("RECEIVED_AT" AS TIMESTAMP) >= CAST('2026-10-29 00:00:00' AS TIMESTAMP))
    ) r
  ) v
) s
WHERE NOT ((v1 IS NOT NULL AND MD5(('identify' || '|forget|' || 'user_id' || '|' || v1)) IN (SELECT value_hash FROM "IDENTITY_WORK"."FGT_HASHES")) OR (v2 IS NOT NULL AND MD5(('identify' || '|forget|' || 'email' || '|' || v2)) IN (SELECT value_hash FROM "IDENTITY_WORK"."FGT_HASHES")) OR (v3 IS NOT NULL AND MD5(('identify' || '|forget|' || 'anonymous_id' || '|' || v3)) IN (SELECT value_hash FROM "IDENTITY_WORK"."FGT_HASHES")))
) e;
-- rows whose count differs from the stored ones
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."CHANGED_IDENTIFY" AS
SELECT COALESCE(n.row_hash, o.row_hash) AS row_hash, CASE WHEN o.c IS NULL THEN 0 ELSE 1 END AS stored
FROM (SELECT row_hash, COUNT(*) AS c FROM "IDENTITY_WORK"."WIN_IDENTIFY" GROUP BY row_hash) n
FULL OUTER JOIN (
  SELECT row_hash, COUNT(*) AS c FROM "IDENTITY_STATE"."ROWS_IDENTIFY" s WHERE (ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) GROUP BY row_hash
) o ON n.row_hash = o.row_hash
WHERE n.c IS NULL OR o.c IS NULL OR n.c <> o.c;
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."INS_IDENTIFY" AS
SELECT * FROM "IDENTITY_WORK"."WIN_IDENTIFY" WHERE row_hash IN (SELECT row_hash FROM "IDENTITY_WORK"."CHANGED_IDENTIFY");
-- the stored rows that this run replaces
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."GONE_IDENTIFY" AS
SELECT row_hash FROM "IDENTITY_WORK"."CHANGED_IDENTIFY" WHERE stored = 1;
-- the stored rows of identify that hold an identifier forgotten now
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."FGT_ROWS_IDENTIFY" AS
SELECT row_hash, COUNT(*) AS n
FROM "IDENTITY_STATE"."ROWS_IDENTIFY" s
WHERE s.n1 IN (SELECT node_id FROM "IDENTITY_WORK"."FGT_KEYS") OR s.n2 IN (SELECT node_id FROM "IDENTITY_WORK"."FGT_KEYS") OR s.n3 IN (SELECT node_id FROM "IDENTITY_WORK"."FGT_KEYS")
GROUP BY row_hash;
-- the stored rows that this run replaces or forgets
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."GONE_IDENTIFY" AS
SELECT row_hash FROM "IDENTITY_WORK"."CHANGED_IDENTIFY" WHERE stored = 1
UNION ALL
SELECT row_hash FROM "IDENTITY_WORK"."FGT_ROWS_IDENTIFY";
-- their identifiers
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."DEL_IDENTIFY" AS
SELECT n1, v1, n2, v2, n3, v3, q1, q2, q3 FROM "IDENTITY_STATE"."ROWS_IDENTIFY" WHERE ((ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) OR row_hash IN (SELECT row_hash FROM "IDENTITY_WORK"."FGT_ROWS_IDENTIFY")) AND row_hash IN (SELECT row_hash FROM "IDENTITY_WORK"."GONE_IDENTIFY");

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
-- the rows of events
DELETE FROM "IDENTITY_STATE"."ROWS_EVENTS" WHERE ((ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) OR row_hash IN (SELECT row_hash FROM "IDENTITY_WORK"."FGT_ROWS_EVENTS")) AND row_hash IN (SELECT row_hash FROM "IDENTITY_WORK"."GONE_EVENTS");
INSERT INTO "IDENTITY_STATE"."ROWS_EVENTS" SELECT * FROM "IDENTITY_WORK"."INS_EVENTS";
-- the rows of identify
DELETE FROM "IDENTITY_STATE"."ROWS_IDENTIFY" WHERE ((ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) OR row_hash IN (SELECT row_hash FROM "IDENTITY_WORK"."FGT_ROWS_IDENTIFY")) AND row_hash IN (SELECT row_hash FROM "IDENTITY_WORK"."GONE_IDENTIFY");
INSERT INTO "IDENTITY_STATE"."ROWS_IDENTIFY" SELECT * FROM "IDENTITY_WORK"."INS_IDENTIFY";
DELETE FROM "IDENTITY_STATE"."QVALUES" WHERE 1 = 1;
INSERT INTO "IDENTITY_STATE"."QVALUES" SELECT id_type, id_value, reason, evidence FROM "IDENTITY_WORK"."QVALUES_NEW";
DELETE FROM "IDENTITY_STATE"."REGIONS" WHERE node_id IN (SELECT node_id FROM "IDENTITY_WORK"."REGIONS_WRITE");
INSERT INTO "IDENTITY_STATE"."REGIONS" SELECT * FROM (SELECT node_id, region, id_type FROM "IDENTITY_WORK"."REGIONS_NEW") q WHERE q.node_id IN (SELECT node_id FROM "IDENTITY_WORK"."REGIONS_WRITE");
DELETE FROM "IDENTITY_STATE"."META" WHERE 1 = 1;
INSERT INTO "IDENTITY_STATE"."META" (section, fingerprint) VALUES ('layout', '5'), ('audiences', '74234e98afe7498f'), ('checks', '7b5219e6ed221e25'), ('degrees', '2833ac7524c0f216'), ('id_salt', 'f8bd0d01fe7fe626'), ('id_types', '26c4a9f56526cd0a'), ('limits', '{}'), ('policy', '439083f38956ba51'), ('sources', 'e03cf3f26c0e16cb'), ('traits', '74234e98afe7498f');
INSERT INTO "IDENTITY"."ID_CHANGES" (run_id, changed_at, kind, old_universal_id, new_universal_id, identifiers) SELECT 0, CAST(SYSDATE() AS TIMESTAMP), kind, old_universal_id, new_universal_id, identifiers FROM "IDENTITY_WORK"."CHANGES";
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
COMMIT;
