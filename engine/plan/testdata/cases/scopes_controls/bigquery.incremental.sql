-- idstitch plan: project scopes, warehouse bigquery, components by contraction
-- The runner also records each run in the runs table; that bookkeeping is not part of this script, and run_id is 0 in what it writes.

-- ===== stage controls: the overrides and forget requests people wrote, normalized, and what changed since the last run
-- the forget requests waiting, normalized, with the salted hash forget_audit keeps
CREATE OR REPLACE TABLE `identity_work`.`fgt_new`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT request_id, action, id_type, id_value, requested_at, value_hash, problem,
  CASE WHEN problem IS NULL AND ROW_NUMBER() OVER (PARTITION BY problem, value_hash ORDER BY requested_at DESC NULLS LAST, request_id DESC) = 1 THEN 1 ELSE 0 END AS latest
FROM (
  SELECT request_id, action, id_type, id_value, requested_at,
    CASE WHEN id_value IS NULL THEN NULL ELSE TO_HEX(MD5(CONCAT('scopes', '|forget|', id_type, '|', id_value))) END AS value_hash,
    CASE
      WHEN request_id IS NULL THEN 'request_id is empty'
      WHEN action IS NULL OR action NOT IN ('forget', 'withdraw') THEN 'action must be forget or withdraw'
      WHEN id_type IS NULL OR id_type NOT IN ('user_id', 'email', 'device_id') THEN 'id_type names no id type of the project'
      WHEN id_value IS NULL THEN 'id_value is empty after normalization'
    END AS problem
  FROM (
    SELECT request_id, action, id_type, requested_at,
      NULLIF(CASE id_type WHEN 'user_id' THEN id_value WHEN 'email' THEN id_value WHEN 'device_id' THEN id_value END, '') AS id_value
    FROM `identity`.`forget_requests`
  ) r
) h;
-- the node ids and universal ids of the identifiers forgotten now
CREATE OR REPLACE TABLE `identity_work`.`fgt_keys`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT FARM_FINGERPRINT(ARRAY_TO_STRING([CAST(id_type AS STRING), CAST(CONCAT('app1', '|', id_value) AS STRING)], '\x1f')) AS node_id,
  TO_HEX(MD5(CONCAT('scopes', '|', id_type, '|', CONCAT('app1', '|', id_value)))) AS universal_id
FROM `identity_work`.`fgt_new` WHERE latest = 1 AND action = 'forget'
UNION ALL
SELECT FARM_FINGERPRINT(ARRAY_TO_STRING([CAST(id_type AS STRING), CAST(CONCAT('app2', '|', id_value) AS STRING)], '\x1f')) AS node_id,
  TO_HEX(MD5(CONCAT('scopes', '|', id_type, '|', CONCAT('app2', '|', id_value)))) AS universal_id
FROM `identity_work`.`fgt_new` WHERE latest = 1 AND action = 'forget'
UNION ALL
SELECT FARM_FINGERPRINT(ARRAY_TO_STRING([CAST(id_type AS STRING), CAST(CONCAT('games', '|', id_value) AS STRING)], '\x1f')) AS node_id,
  TO_HEX(MD5(CONCAT('scopes', '|', id_type, '|', CONCAT('games', '|', id_value)))) AS universal_id
FROM `identity_work`.`fgt_new` WHERE latest = 1 AND action = 'forget'
UNION ALL
SELECT FARM_FINGERPRINT(ARRAY_TO_STRING([CAST(id_type AS STRING), CAST(CONCAT('shop', '|', id_value) AS STRING)], '\x1f')) AS node_id,
  TO_HEX(MD5(CONCAT('scopes', '|', id_type, '|', CONCAT('shop', '|', id_value)))) AS universal_id
FROM `identity_work`.`fgt_new` WHERE latest = 1 AND action = 'forget'
UNION ALL
SELECT FARM_FINGERPRINT(ARRAY_TO_STRING([CAST(id_type AS STRING), CAST(CONCAT('web', '|', id_value) AS STRING)], '\x1f')) AS node_id,
  TO_HEX(MD5(CONCAT('scopes', '|', id_type, '|', CONCAT('web', '|', id_value)))) AS universal_id
FROM `identity_work`.`fgt_new` WHERE latest = 1 AND action = 'forget';
-- the hashes of every value forgotten
CREATE OR REPLACE TABLE `identity_work`.`fgt_hashes`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT value_hash FROM `identity`.`forget_audit`
WHERE value_hash NOT IN (SELECT value_hash FROM `identity_work`.`fgt_new` WHERE latest = 1 AND action = 'withdraw')
UNION ALL
SELECT value_hash FROM `identity_work`.`fgt_new` WHERE latest = 1 AND action = 'forget';
-- every override with its identifiers' node ids, and what keeps an invalid one from applying
CREATE OR REPLACE TABLE `identity_work`.`ovr`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT override_id, kind, id_type_a, va, id_type_b, vb,
  CASE WHEN va IS NULL THEN NULL ELSE FARM_FINGERPRINT(ARRAY_TO_STRING([CAST(id_type_a AS STRING), CAST(va AS STRING)], '\x1f')) END AS na,
  CASE WHEN vb IS NULL THEN NULL ELSE FARM_FINGERPRINT(ARRAY_TO_STRING([CAST(id_type_b AS STRING), CAST(vb AS STRING)], '\x1f')) END AS nb,
  CASE
    WHEN override_id IS NULL THEN 'override_id is empty'
    WHEN copies > 1 THEN 'override_id names more than one row'
    WHEN kind IS NULL OR kind NOT IN ('never_link', 'always_link', 'block', 'unblock') THEN 'kind must be never_link, always_link, block or unblock'
    WHEN id_type_a IS NULL OR id_type_a NOT IN ('user_id', 'email', 'device_id') THEN 'id_type_a names no id type of the project'
    WHEN va IS NULL THEN 'id_value_a is empty after normalization'
    WHEN kind IN ('block', 'unblock') AND (id_type_b IS NOT NULL OR id_value_b IS NOT NULL) THEN 'block and unblock name one identifier: leave id_type_b and id_value_b empty'
    WHEN kind IN ('block', 'unblock') THEN NULL
    WHEN REGEXP_REPLACE(va, '^[a-z][a-z0-9_]*[|]', '') = va THEN 'in a project with scopes, id_value_a is written qualified, as id_graph keys it: scope|value or pool|value'
    WHEN id_type_b IS NULL OR id_type_b NOT IN ('user_id', 'email', 'device_id') THEN 'id_type_b names no id type of the project'
    WHEN vb IS NULL THEN 'id_value_b is empty after normalization'
    WHEN REGEXP_REPLACE(vb, '^[a-z][a-z0-9_]*[|]', '') = vb THEN 'in a project with scopes, id_value_b is written qualified, as id_graph keys it: scope|value or pool|value'
    WHEN id_type_a = id_type_b AND va = vb THEN 'a and b are the same identifier'
  END AS problem,
  CASE WHEN REGEXP_REPLACE(va, '^[a-z][a-z0-9_]*[|]', '') = va THEN NULL ELSE CASE WHEN id_type_a IN ('device_id') THEN CASE SUBSTR(va, 1, LENGTH(va) - LENGTH(REGEXP_REPLACE(va, '^[a-z][a-z0-9_]*[|]', '')) - 1) WHEN 'app1' THEN 'games' WHEN 'app2' THEN 'games' WHEN 'web' THEN 'shop' END ELSE SUBSTR(va, 1, LENGTH(va) - LENGTH(REGEXP_REPLACE(va, '^[a-z][a-z0-9_]*[|]', '')) - 1) END END AS pa,
  CASE WHEN REGEXP_REPLACE(vb, '^[a-z][a-z0-9_]*[|]', '') = vb THEN NULL ELSE CASE WHEN id_type_b IN ('device_id') THEN CASE SUBSTR(vb, 1, LENGTH(vb) - LENGTH(REGEXP_REPLACE(vb, '^[a-z][a-z0-9_]*[|]', '')) - 1) WHEN 'app1' THEN 'games' WHEN 'app2' THEN 'games' WHEN 'web' THEN 'shop' END ELSE SUBSTR(vb, 1, LENGTH(vb) - LENGTH(REGEXP_REPLACE(vb, '^[a-z][a-z0-9_]*[|]', '')) - 1) END END AS pb
FROM (
  SELECT override_id, kind, id_type_a, id_type_b, id_value_b, COUNT(*) OVER (PARTITION BY override_id) AS copies,
    NULLIF(CASE id_type_a WHEN 'user_id' THEN id_value_a WHEN 'email' THEN id_value_a WHEN 'device_id' THEN id_value_a END, '') AS va,
    NULLIF(CASE id_type_b WHEN 'user_id' THEN id_value_b WHEN 'email' THEN id_value_b WHEN 'device_id' THEN id_value_b END, '') AS vb
  FROM `identity`.`overrides`
) o;
-- the identifiers of the overrides added or removed since the last run: their regions are recomputed
CREATE OR REPLACE TABLE `identity_work`.`ovr_changed`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT DISTINCT node_id FROM (
  SELECT o.na AS node_id, o.nb AS other FROM `identity_work`.`ovr` o
  WHERE o.problem IS NULL AND o.kind IN ('never_link', 'always_link')
    AND NOT EXISTS (SELECT 1 FROM `identity_state`.`overrides` s WHERE s.kind = o.kind AND s.na = o.na AND s.nb = o.nb)
  UNION ALL
  SELECT s.na AS node_id, s.nb AS other FROM `identity_state`.`overrides` s
  WHERE s.kind IN ('never_link', 'always_link') AND NOT EXISTS (SELECT 1 FROM `identity_work`.`ovr` o WHERE o.problem IS NULL AND o.kind = s.kind AND o.na = s.na AND o.nb = s.nb)
) c
UNION ALL
SELECT DISTINCT other FROM (
  SELECT o.na AS node_id, o.nb AS other FROM `identity_work`.`ovr` o
  WHERE o.problem IS NULL AND o.kind IN ('never_link', 'always_link')
    AND NOT EXISTS (SELECT 1 FROM `identity_state`.`overrides` s WHERE s.kind = o.kind AND s.na = o.na AND s.nb = o.nb)
  UNION ALL
  SELECT s.na AS node_id, s.nb AS other FROM `identity_state`.`overrides` s
  WHERE s.kind IN ('never_link', 'always_link') AND NOT EXISTS (SELECT 1 FROM `identity_work`.`ovr` o WHERE o.problem IS NULL AND o.kind = s.kind AND o.na = s.na AND o.nb = s.nb)
) c;

-- ===== stage extract: per source: the rows from the watermark less the lookback, and which of them are new or changed
-- source events (events): the rows read again
CREATE OR REPLACE TABLE `identity_work`.`win_events`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT e.*, FARM_FINGERPRINT(ARRAY_TO_STRING([CAST(COALESCE(CAST(ts AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(sc AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(v1 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(q1 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(v2 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(q2 AS STRING), '∅') AS STRING)], '\x1f')) AS row_hash
FROM (
SELECT
  ts,
  sc,
  pl,
  v1,
  q1,
  CASE WHEN v1 IS NULL OR q1 IS NOT NULL THEN NULL ELSE FARM_FINGERPRINT(ARRAY_TO_STRING([CAST('user_id' AS STRING), CAST(CONCAT(pl, '|', v1) AS STRING)], '\x1f')) END AS n1,
  v2,
  q2,
  CASE WHEN v2 IS NULL OR q2 IS NOT NULL THEN NULL ELSE FARM_FINGERPRINT(ARRAY_TO_STRING([CAST('device_id' AS STRING), CAST(CONCAT(sc, '|', v2) AS STRING)], '\x1f')) END AS n2
FROM (
  SELECT
    ts,
    sc,
    CASE sc WHEN 'app1' THEN 'games' WHEN 'app2' THEN 'games' WHEN 'web' THEN 'shop' END AS pl,
    v1,
    CASE WHEN v1 IS NULL THEN NULL WHEN v1 IN (SELECT va FROM `identity_work`.`ovr` WHERE problem IS NULL AND kind = 'block' AND id_type_a = 'user_id') THEN 'blocked' END AS q1,
    v2,
    CASE WHEN v2 IS NULL THEN NULL WHEN v2 IN (SELECT va FROM `identity_work`.`ovr` WHERE problem IS NULL AND kind = 'block' AND id_type_a = 'device_id') THEN 'blocked' END AS q2
  FROM (
    SELECT
      ts,
      sc,
      NULLIF(r1, '') AS v1,
      NULLIF(r2, '') AS v2
    FROM (
      SELECT
        CAST(`ts` AS TIMESTAMP) AS ts,
        CASE CAST(`app_id` AS STRING) WHEN 'app1' THEN 'app1' WHEN 'app2' THEN 'app2' WHEN 'web' THEN 'web' ELSE 'app1' END AS sc,
        NULLIF(CAST(`user_id` AS STRING), '') AS r1,
        NULLIF(CAST(`device_id` AS STRING), '') AS r2
      FROM `events`
      WHERE (CAST(`ts` AS TIMESTAMP) IS NULL OR CAST(`ts` AS TIMESTAMP) >= CAST('2026-10-29 00:00:00' AS TIMESTAMP))
    ) r
  ) v
) s
WHERE sc IS NOT NULL AND NOT ((v1 IS NOT NULL AND TO_HEX(MD5(CONCAT('scopes', '|forget|', 'user_id', '|', v1))) IN (SELECT value_hash FROM `identity_work`.`fgt_hashes`)) OR (v2 IS NOT NULL AND TO_HEX(MD5(CONCAT('scopes', '|forget|', 'device_id', '|', v2))) IN (SELECT value_hash FROM `identity_work`.`fgt_hashes`)))
) e;
-- rows whose count differs from the stored ones
CREATE OR REPLACE TABLE `identity_work`.`changed_events`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT COALESCE(n.row_hash, o.row_hash) AS row_hash, CASE WHEN o.c IS NULL THEN 0 ELSE 1 END AS stored
FROM (SELECT row_hash, COUNT(*) AS c FROM `identity_work`.`win_events` GROUP BY row_hash) n
FULL OUTER JOIN (
  SELECT row_hash, COUNT(*) AS c FROM `identity_state`.`rows_events` s WHERE (ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) GROUP BY row_hash
) o ON n.row_hash = o.row_hash
WHERE n.c IS NULL OR o.c IS NULL OR n.c <> o.c;
CREATE OR REPLACE TABLE `identity_work`.`ins_events`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT * FROM `identity_work`.`win_events` WHERE row_hash IN (SELECT row_hash FROM `identity_work`.`changed_events`);
-- the stored rows that this run replaces
CREATE OR REPLACE TABLE `identity_work`.`gone_events`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT row_hash FROM `identity_work`.`changed_events` WHERE stored = 1;
-- the stored rows of events that hold an identifier forgotten now
CREATE OR REPLACE TABLE `identity_work`.`fgt_rows_events`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT row_hash, COUNT(*) AS n
FROM `identity_state`.`rows_events` s
WHERE s.n1 IN (SELECT node_id FROM `identity_work`.`fgt_keys`) OR s.n2 IN (SELECT node_id FROM `identity_work`.`fgt_keys`)
GROUP BY row_hash;
-- the stored rows that this run replaces or forgets
CREATE OR REPLACE TABLE `identity_work`.`gone_events`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT row_hash FROM `identity_work`.`changed_events` WHERE stored = 1
UNION ALL
SELECT row_hash FROM `identity_work`.`fgt_rows_events`;
-- their identifiers
CREATE OR REPLACE TABLE `identity_work`.`del_events`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT sc, pl, n1, v1, n2, v2, q1, q2 FROM `identity_state`.`rows_events` WHERE ((ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) OR row_hash IN (SELECT row_hash FROM `identity_work`.`fgt_rows_events`)) AND row_hash IN (SELECT row_hash FROM `identity_work`.`gone_events`);
-- source crm (crm): the rows read again
CREATE OR REPLACE TABLE `identity_work`.`win_crm`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT e.*, FARM_FINGERPRINT(ARRAY_TO_STRING([CAST(COALESCE(CAST(ts AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(sc AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(v1 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(q1 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(v2 AS STRING), '∅') AS STRING), CAST(COALESCE(CAST(q2 AS STRING), '∅') AS STRING)], '\x1f')) AS row_hash
FROM (
SELECT
  ts,
  sc,
  pl,
  v1,
  q1,
  CASE WHEN v1 IS NULL OR q1 IS NOT NULL THEN NULL ELSE FARM_FINGERPRINT(ARRAY_TO_STRING([CAST('user_id' AS STRING), CAST(CONCAT(pl, '|', v1) AS STRING)], '\x1f')) END AS n1,
  v2,
  q2,
  CASE WHEN v2 IS NULL OR q2 IS NOT NULL THEN NULL ELSE FARM_FINGERPRINT(ARRAY_TO_STRING([CAST('email' AS STRING), CAST(CONCAT(pl, '|', v2) AS STRING)], '\x1f')) END AS n2
FROM (
  SELECT
    ts,
    sc,
    CASE sc WHEN 'app1' THEN 'games' WHEN 'app2' THEN 'games' WHEN 'web' THEN 'shop' END AS pl,
    v1,
    CASE WHEN v1 IS NULL THEN NULL WHEN v1 IN (SELECT va FROM `identity_work`.`ovr` WHERE problem IS NULL AND kind = 'block' AND id_type_a = 'user_id') THEN 'blocked' END AS q1,
    v2,
    CASE WHEN v2 IS NULL THEN NULL WHEN v2 IN (SELECT va FROM `identity_work`.`ovr` WHERE problem IS NULL AND kind = 'block' AND id_type_a = 'email') THEN 'blocked' END AS q2
  FROM (
    SELECT
      ts,
      sc,
      NULLIF(r1, '') AS v1,
      NULLIF(r2, '') AS v2
    FROM (
      SELECT
        CAST(`updated_at` AS TIMESTAMP) AS ts,
        CAST('web' AS STRING) AS sc,
        NULLIF(CAST(`customer_id` AS STRING), '') AS r1,
        NULLIF(CAST(`email` AS STRING), '') AS r2
      FROM `crm`
      WHERE (CAST(`updated_at` AS TIMESTAMP) IS NULL OR CAST(`updated_at` AS TIMESTAMP) >= CAST('2026-10-29 00:00:00' AS TIMESTAMP))
    ) r
  ) v
) s
WHERE sc IS NOT NULL AND NOT ((v1 IS NOT NULL AND TO_HEX(MD5(CONCAT('scopes', '|forget|', 'user_id', '|', v1))) IN (SELECT value_hash FROM `identity_work`.`fgt_hashes`)) OR (v2 IS NOT NULL AND TO_HEX(MD5(CONCAT('scopes', '|forget|', 'email', '|', v2))) IN (SELECT value_hash FROM `identity_work`.`fgt_hashes`)))
) e;
-- rows whose count differs from the stored ones
CREATE OR REPLACE TABLE `identity_work`.`changed_crm`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT COALESCE(n.row_hash, o.row_hash) AS row_hash, CASE WHEN o.c IS NULL THEN 0 ELSE 1 END AS stored
FROM (SELECT row_hash, COUNT(*) AS c FROM `identity_work`.`win_crm` GROUP BY row_hash) n
FULL OUTER JOIN (
  SELECT row_hash, COUNT(*) AS c FROM `identity_state`.`rows_crm` s WHERE (ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) GROUP BY row_hash
) o ON n.row_hash = o.row_hash
WHERE n.c IS NULL OR o.c IS NULL OR n.c <> o.c;
CREATE OR REPLACE TABLE `identity_work`.`ins_crm`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT * FROM `identity_work`.`win_crm` WHERE row_hash IN (SELECT row_hash FROM `identity_work`.`changed_crm`);
-- the stored rows that this run replaces
CREATE OR REPLACE TABLE `identity_work`.`gone_crm`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT row_hash FROM `identity_work`.`changed_crm` WHERE stored = 1;
-- the stored rows of crm that hold an identifier forgotten now
CREATE OR REPLACE TABLE `identity_work`.`fgt_rows_crm`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT row_hash, COUNT(*) AS n
FROM `identity_state`.`rows_crm` s
WHERE s.n1 IN (SELECT node_id FROM `identity_work`.`fgt_keys`) OR s.n2 IN (SELECT node_id FROM `identity_work`.`fgt_keys`)
GROUP BY row_hash;
-- the stored rows that this run replaces or forgets
CREATE OR REPLACE TABLE `identity_work`.`gone_crm`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT row_hash FROM `identity_work`.`changed_crm` WHERE stored = 1
UNION ALL
SELECT row_hash FROM `identity_work`.`fgt_rows_crm`;
-- their identifiers
CREATE OR REPLACE TABLE `identity_work`.`del_crm`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT sc, pl, n1, v1, n2, v2, q1, q2 FROM `identity_state`.`rows_crm` WHERE ((ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) OR row_hash IN (SELECT row_hash FROM `identity_work`.`fgt_rows_crm`)) AND row_hash IN (SELECT row_hash FROM `identity_work`.`gone_crm`);

-- ===== stage edges: identifiers on one row are linked as a star from the row's first identifier
-- links that always_link overrides add
CREATE OR REPLACE TABLE `identity_work`.`ovr_edges`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT DISTINCT LEAST(o.na, o.nb) AS a, GREATEST(o.na, o.nb) AS b
FROM `identity_work`.`ovr` o
WHERE o.problem IS NULL AND o.kind = 'always_link'
  AND o.na IN (SELECT node_id FROM `identity_work`.`nodes`) AND o.nb IN (SELECT node_id FROM `identity_work`.`nodes`)
  AND o.pa = o.pb
  AND o.na NOT IN (SELECT node_id FROM `identity_work`.`hubs`) AND o.nb NOT IN (SELECT node_id FROM `identity_work`.`hubs`)
  AND NOT EXISTS (
    SELECT 1 FROM `identity_work`.`ovr` x
    WHERE x.problem IS NULL AND x.kind = 'never_link'
      AND ((x.na = o.na AND x.nb = o.nb) OR (x.na = o.nb AND x.nb = o.na))
  );
CREATE OR REPLACE TABLE `identity_work`.`edges`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT a, b, row_count, first_seen_at, last_seen_at, SUBSTR(CONCAT(CONCAT(CONCAT('', CASE WHEN s0 = 1 THEN ',crm' ELSE '' END), CASE WHEN s1 = 1 THEN ',events' ELSE '' END), CASE WHEN s2 = 1 THEN ',override' ELSE '' END), 2) AS sources
FROM (
  SELECT LEAST(a, b) AS a, GREATEST(a, b) AS b, CAST(SUM(n) AS INT64) AS row_count,
    MIN(ts) AS first_seen_at, MAX(ts) AS last_seen_at, MAX(s0) AS s0, MAX(s1) AS s1, MAX(s2) AS s2
  FROM (
    SELECT COALESCE(n1, n2) AS a, n2 AS b, ts, 1 AS n, 0 AS s0, 1 AS s1, 0 AS s2
    FROM `identity_work`.`kept_events` WHERE n2 IS NOT NULL AND n2 <> COALESCE(n1, n2)
    UNION ALL SELECT COALESCE(n1, n2) AS a, n2 AS b, ts, 1 AS n, 1 AS s0, 0 AS s1, 0 AS s2
    FROM `identity_work`.`kept_crm` WHERE n2 IS NOT NULL AND n2 <> COALESCE(n1, n2)
    UNION ALL SELECT a, b, CAST(NULL AS TIMESTAMP) AS ts, 0 AS n, 0 AS s0, 0 AS s1, 1 AS s2
    FROM `identity_work`.`ovr_edges`
  ) e
  GROUP BY LEAST(a, b), GREATEST(a, b)
) g;

-- ===== stage outputs: the recomputed regions' rows of the output tables, and what changed
-- every identifier whose published rows are replaced
CREATE OR REPLACE TABLE `identity_work`.`redo`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT DISTINCT node_id, id_type, id_value FROM (SELECT node_id, id_type, id_value FROM `identity_work`.`nodes` UNION ALL SELECT node_id, id_type, id_value FROM `identity_work`.`touched`) r;
-- their published universal ids
CREATE OR REPLACE TABLE `identity_work`.`old_map`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT node_id, universal_id, pool FROM `identity`.`id_graph` WHERE node_id IN (SELECT node_id FROM `identity_work`.`redo`);
CREATE OR REPLACE TABLE `identity_work`.`redo_ids`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT DISTINCT universal_id FROM (SELECT universal_id FROM `identity_work`.`old_map` UNION ALL SELECT universal_id FROM `identity_work`.`graph`) u;
-- of those, the identifiers whose published row changes
CREATE OR REPLACE TABLE `identity_work`.`graph_write`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT r.node_id FROM `identity_work`.`redo` r
WHERE r.node_id NOT IN (
  SELECT g.node_id
  FROM `identity_work`.`graph` g
  JOIN `identity`.`id_graph` o ON o.node_id = g.node_id
  WHERE o.universal_id = g.universal_id AND o.id_type = g.id_type AND o.id_value = g.id_value AND o.row_count = g.row_count
    AND (o.first_seen_at = g.first_seen_at OR (o.first_seen_at IS NULL AND g.first_seen_at IS NULL))
    AND (o.last_seen_at = g.last_seen_at OR (o.last_seen_at IS NULL AND g.last_seen_at IS NULL))
    AND (o.scope = g.scope OR (o.scope IS NULL AND g.scope IS NULL))
    AND (o.pool = g.pool OR (o.pool IS NULL AND g.pool IS NULL))
);
-- and those whose stored region changes
CREATE OR REPLACE TABLE `identity_work`.`regions_write`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT r.node_id FROM `identity_work`.`redo` r
WHERE r.node_id NOT IN (
  SELECT n.node_id
  FROM `identity_work`.`regions_new` n
  JOIN `identity_state`.`regions` o ON o.node_id = n.node_id
  WHERE o.region = n.region AND o.id_type = n.id_type
);
-- universal ids that are new, merged, split or quarantined since the last run
CREATE OR REPLACE TABLE `identity_work`.`changes`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT CASE
    WHEN p.new_id IS NULL THEN 'quarantine'
    WHEN p.old_id IS NULL THEN 'new'
    WHEN p.old_id IN (SELECT universal_id FROM `identity_work`.`graph`) THEN 'split'
    ELSE 'merge'
  END AS kind,
  p.old_id AS old_universal_id, p.new_id AS new_universal_id, p.moved AS identifiers, p.pool
FROM (
  SELECT old_id, new_id, COUNT(*) AS moved, MAX(pool) AS pool
  FROM (
    SELECT o.universal_id AS old_id, n.universal_id AS new_id, COALESCE(n.pool, o.pool) AS pool
    FROM `identity_work`.`old_map` o
    FULL OUTER JOIN `identity_work`.`graph` n ON o.node_id = n.node_id
  ) m
  WHERE old_id IS NULL OR new_id IS NULL OR old_id <> new_id
  GROUP BY old_id, new_id
) p
-- identifiers seen for the first time that join a profile which already existed change no id
WHERE NOT (p.old_id IS NULL AND p.new_id IN (SELECT universal_id FROM `identity_work`.`old_map`));
CREATE OR REPLACE TABLE `identity_work`.`profiles_region`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
WITH ranked AS (
  SELECT component, id_type, id_value, first_seen_at, last_seen_at,
    ROW_NUMBER() OVER (PARTITION BY component, id_type ORDER BY last_seen_at DESC NULLS LAST, id_value DESC) AS pos
  FROM `identity_work`.`assign`
), per_type AS (
  SELECT component, id_type, COUNT(*) AS n, MAX(CASE WHEN pos = 1 THEN id_value END) AS latest,
    MIN(first_seen_at) AS first_seen_at, MAX(last_seen_at) AS last_seen_at
  FROM ranked
  GROUP BY component, id_type
), per_profile AS (
  SELECT component,
    MIN(first_seen_at) AS first_seen_at,
    MAX(last_seen_at) AS last_seen_at,
    CAST(SUM(n) AS INT64) AS identifiers,
    CAST(COALESCE(SUM(CASE WHEN id_type = 'user_id' THEN n END), 0) AS INT64) AS `user_id_count`,
    MAX(CASE WHEN id_type = 'user_id' THEN latest END) AS `latest_user_id`,
    CAST(COALESCE(SUM(CASE WHEN id_type = 'email' THEN n END), 0) AS INT64) AS `email_count`,
    MAX(CASE WHEN id_type = 'email' THEN latest END) AS `latest_email`,
    CAST(COALESCE(SUM(CASE WHEN id_type = 'device_id' THEN n END), 0) AS INT64) AS `device_id_count`,
    MAX(CASE WHEN id_type = 'device_id' THEN latest END) AS `latest_device_id`
  FROM per_type
  GROUP BY component
)
SELECT a.universal_id, a.pool, p.first_seen_at, p.last_seen_at, p.identifiers, p.`user_id_count`, REGEXP_REPLACE(p.`latest_user_id`, '^[a-z][a-z0-9_]*[|]', '') AS `latest_user_id`, p.`email_count`, REGEXP_REPLACE(p.`latest_email`, '^[a-z][a-z0-9_]*[|]', '') AS `latest_email`, p.`device_id_count`, REGEXP_REPLACE(p.`latest_device_id`, '^[a-z][a-z0-9_]*[|]', '') AS `latest_device_id`
FROM per_profile p
JOIN `identity_work`.`anchors` a ON p.component = a.component;
CREATE OR REPLACE TABLE `identity_work`.`edges_region`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT ga.universal_id,
  ga.id_type AS id_type_a, ga.id_value AS id_value_a,
  gb.id_type AS id_type_b, gb.id_value AS id_value_b,
  e.row_count, e.first_seen_at, e.last_seen_at, e.sources,
  ga.scope AS scope_a, gb.scope AS scope_b, ga.pool
FROM `identity_work`.`edges` e
JOIN `identity_work`.`graph` ga ON e.a = ga.node_id
JOIN `identity_work`.`graph` gb ON e.b = gb.node_id
-- one universal id per profile: its anchor's, which no other profile has
WHERE ga.universal_id = gb.universal_id;
-- what was kept out of the graph, and why
CREATE OR REPLACE TABLE `identity`.`id_quarantine__next` AS
SELECT id_type, REGEXP_REPLACE(id_value, '^[a-z][a-z0-9_]*[|]', '') AS id_value, reason, evidence, CAST(0 AS INT64) AS run_id,
  CASE WHEN id_type IN ('device_id') THEN SUBSTR(id_value, 1, LENGTH(id_value) - LENGTH(REGEXP_REPLACE(id_value, '^[a-z][a-z0-9_]*[|]', '')) - 1) END AS scope,
  CASE WHEN id_type IN ('device_id') THEN CASE SUBSTR(id_value, 1, LENGTH(id_value) - LENGTH(REGEXP_REPLACE(id_value, '^[a-z][a-z0-9_]*[|]', '')) - 1) WHEN 'app1' THEN 'games' WHEN 'app2' THEN 'games' WHEN 'web' THEN 'shop' END ELSE SUBSTR(id_value, 1, LENGTH(id_value) - LENGTH(REGEXP_REPLACE(id_value, '^[a-z][a-z0-9_]*[|]', '')) - 1) END AS pool
FROM (
  SELECT id_type, id_value, reason, evidence FROM `identity_work`.`qvalues_new`
  UNION ALL SELECT q.id_type, q.id_value, q.reason, q.evidence
FROM (
  SELECT id_type, CONCAT(COALESCE(scope, pool), '|', id_value) AS id_value, reason, evidence
  FROM `identity`.`id_quarantine`
) q
WHERE q.reason IN ('limit_conflict', 'anonymous_isolated')
  AND NOT EXISTS (SELECT 1 FROM `identity_work`.`redo` r WHERE r.id_type = q.id_type AND r.id_value = q.id_value)
  UNION ALL SELECT id_type, id_value, 'hub' AS reason, degree AS evidence FROM `identity_work`.`hubs_named`
) q;
-- audience members; those already in keep the time they entered
CREATE OR REPLACE TABLE `identity`.`audience_members__next` AS
SELECT m.audience, m.universal_id, COALESCE(prev.entered_at, CAST(CURRENT_TIMESTAMP() AS TIMESTAMP)) AS entered_at
FROM (
  SELECT CAST(NULL AS STRING) AS audience, CAST(NULL AS STRING) AS universal_id FROM `identity_work`.`profiles_region` WHERE 1 = 0
) m
LEFT JOIN `identity`.`audience_members` prev ON prev.audience = m.audience AND prev.universal_id = m.universal_id
UNION ALL
SELECT audience, universal_id, entered_at FROM `identity`.`audience_members`
WHERE universal_id NOT IN (SELECT universal_id FROM `identity_work`.`redo_ids`);
-- the published links of those profiles that change or go, and the links that are new or changed
CREATE OR REPLACE TABLE `identity_work`.`edges_diff`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT o.universal_id AS s_universal_id, o.id_type_a AS s_id_type_a, o.id_value_a AS s_id_value_a,
  o.id_type_b AS s_id_type_b, o.id_value_b AS s_id_value_b, o.scope_a AS s_scope_a, o.scope_b AS s_scope_b,
  n.*
FROM (SELECT * FROM `identity`.`id_edges` WHERE universal_id IN (SELECT universal_id FROM `identity_work`.`redo_ids`)) o
FULL OUTER JOIN `identity_work`.`edges_region` n
  ON n.universal_id = o.universal_id AND n.id_type_a = o.id_type_a AND n.id_value_a = o.id_value_a
  AND n.id_type_b = o.id_type_b AND n.id_value_b = o.id_value_b
  AND COALESCE(n.scope_a, '') = COALESCE(o.scope_a, '') AND COALESCE(n.scope_b, '') = COALESCE(o.scope_b, '')
WHERE o.universal_id IS NULL OR n.universal_id IS NULL OR NOT COALESCE(n.row_count = o.row_count AND n.sources = o.sources
  AND (COALESCE(n.first_seen_at = o.first_seen_at, FALSE) OR (n.first_seen_at IS NULL AND o.first_seen_at IS NULL))
  AND (COALESCE(n.last_seen_at = o.last_seen_at, FALSE) OR (n.last_seen_at IS NULL AND o.last_seen_at IS NULL))
  AND (COALESCE(n.pool = o.pool, FALSE) OR (n.pool IS NULL AND o.pool IS NULL)), FALSE);
-- the published profiles of the identifiers overrides name outside the recomputed regions
CREATE OR REPLACE TABLE `identity_work`.`ovr_published`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT node_id, universal_id
FROM `identity`.`id_graph`
WHERE node_id IN (SELECT na FROM `identity_work`.`ovr` WHERE na IS NOT NULL UNION ALL SELECT nb FROM `identity_work`.`ovr` WHERE nb IS NOT NULL)
  AND node_id NOT IN (SELECT node_id FROM `identity_work`.`redo`);
-- identifiers of each limited type per profile
CREATE OR REPLACE TABLE `identity_work`.`ovr_counts`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT universal_id,
  SUM(CASE WHEN id_type = 'user_id' THEN 1 ELSE 0 END) AS `c1`
FROM `identity_work`.`graph`
GROUP BY universal_id
UNION ALL
SELECT universal_id,
  SUM(CASE WHEN id_type = 'user_id' THEN 1 ELSE 0 END) AS `c1`
FROM `identity`.`id_graph`
WHERE universal_id IN (SELECT universal_id FROM `identity_work`.`ovr_published`)
GROUP BY universal_id;
-- what this run makes of each override: applied, refused, waiting or invalid
CREATE OR REPLACE TABLE `identity_work`.`ovr_status`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT DISTINCT s.override_id, s.status, s.detail
FROM (
  SELECT o.override_id,
    CASE
      WHEN o.problem IS NOT NULL THEN 'invalid'
      WHEN o.kind IN ('block', 'unblock') THEN 'applied'
      WHEN o.ua IS NULL OR o.ub IS NULL THEN 'waiting'
      WHEN o.kind = 'never_link' AND o.ua <> o.ub THEN 'applied'
      WHEN o.kind = 'always_link' AND o.ua = o.ub THEN 'applied'
      ELSE 'refused'
    END AS status,
    CASE
      WHEN o.problem IS NOT NULL THEN o.problem
      WHEN o.kind = 'block' THEN 'the value is kept out of the graph'
      WHEN o.kind = 'unblock' THEN 'block_values and block_pattern do not keep the value out'
      WHEN o.ua IS NULL AND o.ub IS NULL THEN 'neither identifier is in the graph'
      WHEN o.ua IS NULL THEN 'identifier a is not in the graph'
      WHEN o.ub IS NULL THEN 'identifier b is not in the graph'
      WHEN o.kind = 'never_link' AND o.ua <> o.ub THEN 'the identifiers are in different profiles'
      WHEN o.kind = 'never_link' THEN 'the identifiers are still in one profile'
      WHEN o.ua = o.ub THEN 'the identifiers are in one profile'
      WHEN o.kind = 'always_link' AND o.pa <> o.pb THEN 'the identifiers are in different pools, which no link crosses'
      WHEN EXISTS (SELECT 1 FROM `identity_work`.`ovr` x WHERE x.problem IS NULL AND x.kind = 'never_link'
          AND ((x.na = o.na AND x.nb = o.nb) OR (x.na = o.nb AND x.nb = o.na))) THEN 'a never_link names the same identifiers'
      WHEN ca.`c1` + cb.`c1` > 1 THEN 'together they would hold more than 1 user_id, over the limit per profile'
      ELSE 'the anonymous policy or another override keeps them apart'
    END AS detail,
    o.here
  FROM (
    SELECT o.*,
      COALESCE(ga.universal_id, pa.universal_id) AS ua, COALESCE(gb.universal_id, pb.universal_id) AS ub,
      CASE WHEN ga.node_id IS NOT NULL OR gb.node_id IS NOT NULL THEN 1 ELSE 0 END AS here
    FROM `identity_work`.`ovr` o
    LEFT JOIN `identity_work`.`graph` ga ON o.na = ga.node_id
    LEFT JOIN `identity_work`.`graph` gb ON o.nb = gb.node_id
    LEFT JOIN `identity_work`.`ovr_published` pa ON o.na = pa.node_id
    LEFT JOIN `identity_work`.`ovr_published` pb ON o.nb = pb.node_id
  ) o
  LEFT JOIN `identity_work`.`ovr_counts` ca ON o.ua = ca.universal_id
  LEFT JOIN `identity_work`.`ovr_counts` cb ON o.ub = cb.universal_id
) s
WHERE s.here = 1 OR s.status = 'invalid' OR s.override_id IN (
  SELECT override_id FROM `identity`.`overrides` WHERE status IS NULL OR status = 'pending'
);
