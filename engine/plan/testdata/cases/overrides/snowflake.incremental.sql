-- idstitch plan: project overrides, warehouse snowflake, components by contraction
-- The runner also records each run in the runs table; that bookkeeping is not part of this script, and run_id is 0 in what it writes.

-- ===== stage controls: the overrides and forget requests people wrote, normalized, and what changed since the last run
-- every override with its identifiers' node ids, and what keeps an invalid one from applying
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."OVR" AS
SELECT override_id, kind, id_type_a, va, id_type_b, vb,
  CASE WHEN va IS NULL THEN NULL ELSE HASH(id_type_a, va) END AS na,
  CASE WHEN vb IS NULL THEN NULL ELSE HASH(id_type_b, vb) END AS nb,
  CASE
    WHEN override_id IS NULL THEN 'override_id is empty'
    WHEN copies > 1 THEN 'override_id names more than one row'
    WHEN kind IS NULL OR kind NOT IN ('never_link', 'always_link', 'block', 'unblock') THEN 'kind must be never_link, always_link, block or unblock'
    WHEN id_type_a IS NULL OR id_type_a NOT IN ('user_id', 'email', 'anonymous_id') THEN 'id_type_a names no id type of the project'
    WHEN va IS NULL THEN 'id_value_a is empty after normalization'
    WHEN kind IN ('block', 'unblock') AND (id_type_b IS NOT NULL OR id_value_b IS NOT NULL) THEN 'block and unblock name one identifier: leave id_type_b and id_value_b empty'
    WHEN kind IN ('block', 'unblock') THEN NULL
    WHEN id_type_b IS NULL OR id_type_b NOT IN ('user_id', 'email', 'anonymous_id') THEN 'id_type_b names no id type of the project'
    WHEN vb IS NULL THEN 'id_value_b is empty after normalization'
    WHEN id_type_a = id_type_b AND va = vb THEN 'a and b are the same identifier'
  END AS problem
FROM (
  SELECT override_id, kind, id_type_a, id_type_b, id_value_b, COUNT(*) OVER (PARTITION BY override_id) AS copies,
    NULLIF(CASE id_type_a WHEN 'user_id' THEN id_value_a WHEN 'email' THEN LOWER(TRIM(id_value_a)) WHEN 'anonymous_id' THEN id_value_a END, '') AS va,
    NULLIF(CASE id_type_b WHEN 'user_id' THEN id_value_b WHEN 'email' THEN LOWER(TRIM(id_value_b)) WHEN 'anonymous_id' THEN id_value_b END, '') AS vb
  FROM "IDENTITY"."OVERRIDES"
) o;
-- the identifiers of the overrides added or removed since the last run: their regions are recomputed
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."OVR_CHANGED" AS
SELECT DISTINCT node_id FROM (
  SELECT o.na AS node_id, o.nb AS other FROM "IDENTITY_WORK"."OVR" o
  WHERE o.problem IS NULL AND o.kind IN ('never_link', 'always_link')
    AND NOT EXISTS (SELECT 1 FROM "IDENTITY_STATE"."OVERRIDES" s WHERE s.kind = o.kind AND s.na = o.na AND s.nb = o.nb)
  UNION ALL
  SELECT s.na AS node_id, s.nb AS other FROM "IDENTITY_STATE"."OVERRIDES" s
  WHERE s.kind IN ('never_link', 'always_link') AND NOT EXISTS (SELECT 1 FROM "IDENTITY_WORK"."OVR" o WHERE o.problem IS NULL AND o.kind = s.kind AND o.na = s.na AND o.nb = s.nb)
) c
UNION ALL
SELECT DISTINCT other FROM (
  SELECT o.na AS node_id, o.nb AS other FROM "IDENTITY_WORK"."OVR" o
  WHERE o.problem IS NULL AND o.kind IN ('never_link', 'always_link')
    AND NOT EXISTS (SELECT 1 FROM "IDENTITY_STATE"."OVERRIDES" s WHERE s.kind = o.kind AND s.na = o.na AND s.nb = o.nb)
  UNION ALL
  SELECT s.na AS node_id, s.nb AS other FROM "IDENTITY_STATE"."OVERRIDES" s
  WHERE s.kind IN ('never_link', 'always_link') AND NOT EXISTS (SELECT 1 FROM "IDENTITY_WORK"."OVR" o WHERE o.problem IS NULL AND o.kind = s.kind AND o.na = s.na AND o.nb = s.nb)
) c;

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
    CASE WHEN v1 IS NULL THEN NULL WHEN v1 IN (SELECT va FROM "IDENTITY_WORK"."OVR" WHERE problem IS NULL AND kind = 'block' AND id_type_a = 'user_id') THEN 'blocked' END AS q1,
    v2,
    CASE WHEN v2 IS NULL THEN NULL WHEN v2 IN (SELECT va FROM "IDENTITY_WORK"."OVR" WHERE problem IS NULL AND kind = 'block' AND id_type_a = 'email') THEN 'blocked' END AS q2,
    v3,
    CASE WHEN v3 IS NULL THEN NULL WHEN v3 IN (SELECT va FROM "IDENTITY_WORK"."OVR" WHERE problem IS NULL AND kind = 'block' AND id_type_a = 'anonymous_id') THEN 'blocked' END AS q3
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
-- their identifiers
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."DEL_EVENTS" AS
SELECT n1, v1, n2, v2, n3, v3, q1, q2, q3 FROM "IDENTITY_STATE"."ROWS_EVENTS" WHERE (ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) AND row_hash IN (SELECT row_hash FROM "IDENTITY_WORK"."GONE_EVENTS");

-- ===== stage region: the identifiers the changed rows touch, the hub decisions they change, and the regions to recompute
-- identifiers on rows that are new, changed or gone
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."TOUCHED" AS
SELECT DISTINCT node_id, id_type, id_value
FROM (
  SELECT n1 AS node_id, 'user_id' AS id_type, v1 AS id_value
  FROM "IDENTITY_WORK"."INS_EVENTS" WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 AS node_id, 'email' AS id_type, v2 AS id_value
  FROM "IDENTITY_WORK"."INS_EVENTS" WHERE n2 IS NOT NULL
  UNION ALL SELECT n3 AS node_id, 'anonymous_id' AS id_type, v3 AS id_value
  FROM "IDENTITY_WORK"."INS_EVENTS" WHERE n3 IS NOT NULL
  UNION ALL SELECT n1 AS node_id, 'user_id' AS id_type, v1 AS id_value
  FROM "IDENTITY_WORK"."DEL_EVENTS" WHERE n1 IS NOT NULL
  UNION ALL SELECT n2 AS node_id, 'email' AS id_type, v2 AS id_value
  FROM "IDENTITY_WORK"."DEL_EVENTS" WHERE n2 IS NOT NULL
  UNION ALL SELECT n3 AS node_id, 'anonymous_id' AS id_type, v3 AS id_value
  FROM "IDENTITY_WORK"."DEL_EVENTS" WHERE n3 IS NOT NULL
) t;
-- invalid and blocked values, counted over all rows
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."QVALUES_NEW" AS
SELECT id_type, id_value, reason, CAST(SUM(evidence) AS BIGINT) AS evidence
FROM (
  SELECT id_type, id_value, reason, evidence FROM "IDENTITY_STATE"."QVALUES"
  UNION ALL SELECT id_type, id_value, reason, evidence FROM (SELECT id_type, id_value, reason, COUNT(*) AS evidence
FROM (
  SELECT 'user_id' AS id_type, v1 AS id_value, q1 AS reason
  FROM "IDENTITY_WORK"."INS_EVENTS" WHERE q1 IS NOT NULL
  UNION ALL SELECT 'email' AS id_type, v2 AS id_value, q2 AS reason
  FROM "IDENTITY_WORK"."INS_EVENTS" WHERE q2 IS NOT NULL
  UNION ALL SELECT 'anonymous_id' AS id_type, v3 AS id_value, q3 AS reason
  FROM "IDENTITY_WORK"."INS_EVENTS" WHERE q3 IS NOT NULL
) q
GROUP BY id_type, id_value, reason) p1
  UNION ALL SELECT id_type, id_value, reason, -evidence FROM (SELECT id_type, id_value, reason, COUNT(*) AS evidence
FROM (
  SELECT 'user_id' AS id_type, v1 AS id_value, q1 AS reason
  FROM "IDENTITY_WORK"."DEL_EVENTS" WHERE q1 IS NOT NULL
  UNION ALL SELECT 'email' AS id_type, v2 AS id_value, q2 AS reason
  FROM "IDENTITY_WORK"."DEL_EVENTS" WHERE q2 IS NOT NULL
  UNION ALL SELECT 'anonymous_id' AS id_type, v3 AS id_value, q3 AS reason
  FROM "IDENTITY_WORK"."DEL_EVENTS" WHERE q3 IS NOT NULL
) q
GROUP BY id_type, id_value, reason) p2
) q
GROUP BY id_type, id_value, reason
HAVING SUM(evidence) > 0;
-- touched identifiers, the partners of those whose hub decision flipped, and the regions a changed limit can split
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."SEEDS" AS
SELECT DISTINCT node_id FROM (
  SELECT node_id FROM "IDENTITY_WORK"."TOUCHED"
  UNION ALL SELECT node_id FROM "IDENTITY_WORK"."OVR_CHANGED"
) s;
INSERT INTO "IDENTITY_WORK"."SEEDS" (node_id)
SELECT o.nb FROM "IDENTITY_WORK"."OVR" o
WHERE o.problem IS NULL AND o.kind = 'always_link'
  AND o.na IN (SELECT node_id FROM "IDENTITY_WORK"."SEEDS") AND o.nb NOT IN (SELECT node_id FROM "IDENTITY_WORK"."SEEDS")
UNION ALL
SELECT o.na FROM "IDENTITY_WORK"."OVR" o
WHERE o.problem IS NULL AND o.kind = 'always_link'
  AND o.nb IN (SELECT node_id FROM "IDENTITY_WORK"."SEEDS") AND o.na NOT IN (SELECT node_id FROM "IDENTITY_WORK"."SEEDS");
-- every identifier of the regions the seeds are in
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."RNODES" AS
SELECT DISTINCT node_id FROM (
  SELECT node_id FROM "IDENTITY_STATE"."REGIONS"
  WHERE region IN (
    SELECT r.region FROM "IDENTITY_STATE"."REGIONS" r JOIN "IDENTITY_WORK"."SEEDS" s ON r.node_id = s.node_id
  )
  UNION ALL
  SELECT node_id FROM "IDENTITY_WORK"."SEEDS"
) n;
-- the value of every identifier on the rows of those regions
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."NAMES" AS
SELECT DISTINCT node_id, id_value FROM (
  SELECT node_id, id_value FROM "IDENTITY"."ID_GRAPH"
  WHERE node_id IN (SELECT node_id FROM "IDENTITY_WORK"."RNODES")
  UNION ALL
  SELECT HASH(id_type, id_value) AS node_id, id_value FROM "IDENTITY"."ID_QUARANTINE"
  WHERE reason IN ('limit_conflict', 'anonymous_isolated')
  UNION ALL
  SELECT node_id, id_value FROM "IDENTITY_WORK"."TOUCHED"
) n;
-- rows of events in those regions
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."SRC_EVENTS" AS
-- The stored rows that hold one of the identifiers, less those this run replaces, and the new
-- rows that hold one: filtering by identifier first keeps the costlier test to few rows.
SELECT ts, row_hash, n1, n2, n3 FROM (
  SELECT * FROM "IDENTITY_STATE"."ROWS_EVENTS" s WHERE s.n1 IN (SELECT node_id FROM "IDENTITY_WORK"."RNODES") OR s.n2 IN (SELECT node_id FROM "IDENTITY_WORK"."RNODES") OR s.n3 IN (SELECT node_id FROM "IDENTITY_WORK"."RNODES")
) s
WHERE NOT ((ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) AND s.row_hash IN (SELECT row_hash FROM "IDENTITY_WORK"."GONE_EVENTS"))
UNION ALL
SELECT ts, row_hash, n1, n2, n3 FROM "IDENTITY_WORK"."INS_EVENTS" s WHERE s.n1 IN (SELECT node_id FROM "IDENTITY_WORK"."RNODES") OR s.n2 IN (SELECT node_id FROM "IDENTITY_WORK"."RNODES") OR s.n3 IN (SELECT node_id FROM "IDENTITY_WORK"."RNODES");

-- ===== stage edges: identifiers on one row are linked as a star from the row's first identifier
-- links that always_link overrides add
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."OVR_EDGES" AS
SELECT DISTINCT LEAST(o.na, o.nb) AS a, GREATEST(o.na, o.nb) AS b
FROM "IDENTITY_WORK"."OVR" o
WHERE o.problem IS NULL AND o.kind = 'always_link'
  AND o.na IN (SELECT node_id FROM "IDENTITY_WORK"."NODES") AND o.nb IN (SELECT node_id FROM "IDENTITY_WORK"."NODES")
  AND NOT EXISTS (
    SELECT 1 FROM "IDENTITY_WORK"."OVR" x
    WHERE x.problem IS NULL AND x.kind = 'never_link'
      AND ((x.na = o.na AND x.nb = o.nb) OR (x.na = o.nb AND x.nb = o.na))
  );
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."EDGES" AS
SELECT a, b, row_count, first_seen_at, last_seen_at, SUBSTR((('' || CASE WHEN s0 = 1 THEN ',events' ELSE '' END) || CASE WHEN s1 = 1 THEN ',override' ELSE '' END), 2) AS sources
FROM (
  SELECT LEAST(a, b) AS a, GREATEST(a, b) AS b, CAST(SUM(n) AS BIGINT) AS row_count,
    MIN(ts) AS first_seen_at, MAX(ts) AS last_seen_at, MAX(s0) AS s0, MAX(s1) AS s1
  FROM (
    SELECT COALESCE(n1, n2, n3) AS a, n2 AS b, ts, 1 AS n, 1 AS s0, 0 AS s1
    FROM "IDENTITY_WORK"."SRC_EVENTS" WHERE n2 IS NOT NULL AND n2 <> COALESCE(n1, n2, n3)
    UNION ALL SELECT COALESCE(n1, n2, n3) AS a, n3 AS b, ts, 1 AS n, 1 AS s0, 0 AS s1
    FROM "IDENTITY_WORK"."SRC_EVENTS" WHERE n3 IS NOT NULL AND n3 <> COALESCE(n1, n2, n3)
    UNION ALL SELECT a, b, CAST(NULL AS TIMESTAMP) AS ts, 0 AS n, 0 AS s0, 1 AS s1
    FROM "IDENTITY_WORK"."OVR_EDGES"
  ) e
  GROUP BY LEAST(a, b), GREATEST(a, b)
) g;

-- ===== stage never_link: never_link overrides: split the profiles that hold both identifiers of one
-- profiles holding both identifiers of a never_link
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."NL_VIOLATING" AS
SELECT DISTINCT ga.grp
FROM "IDENTITY_WORK"."OVR" o
JOIN "IDENTITY_WORK"."GROUPS_0" ga ON o.na = ga.node_id
JOIN "IDENTITY_WORK"."GROUPS_0" gb ON o.nb = gb.node_id
WHERE o.problem IS NULL AND o.kind = 'never_link' AND ga.grp = gb.grp;
-- their links, both ways
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."LIM_EDGES" AS
SELECT u, v, row_count, last_seen_at
FROM (
  SELECT e.a AS u, e.b AS v, e.row_count, e.last_seen_at, ga.grp AS gu, gb.grp AS gv
  FROM "IDENTITY_WORK"."EDGES" e
  JOIN "IDENTITY_WORK"."GROUPS_0" ga ON e.a = ga.node_id
  JOIN "IDENTITY_WORK"."GROUPS_0" gb ON e.b = gb.node_id
  UNION ALL
  SELECT e.b AS u, e.a AS v, e.row_count, e.last_seen_at, gb.grp AS gu, ga.grp AS gv
  FROM "IDENTITY_WORK"."EDGES" e
  JOIN "IDENTITY_WORK"."GROUPS_0" ga ON e.a = ga.node_id
  JOIN "IDENTITY_WORK"."GROUPS_0" gb ON e.b = gb.node_id
) d
WHERE gu = gv AND gu IN (SELECT grp FROM "IDENTITY_WORK"."NL_VIOLATING");
-- the identifiers the never_links name are the anchors
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."LIM_SEEN_0" AS
SELECT DISTINCT node, node AS anchor, 0 AS anchors
FROM (
  SELECT o.na AS node, o.nb AS other FROM "IDENTITY_WORK"."OVR" o
  JOIN "IDENTITY_WORK"."GROUPS_0" ga ON o.na = ga.node_id
  JOIN "IDENTITY_WORK"."GROUPS_0" gb ON o.nb = gb.node_id
  WHERE o.problem IS NULL AND o.kind = 'never_link' AND ga.grp = gb.grp
  UNION ALL
  SELECT o.nb AS node, o.na AS other FROM "IDENTITY_WORK"."OVR" o
  JOIN "IDENTITY_WORK"."GROUPS_0" ga ON o.na = ga.node_id
  JOIN "IDENTITY_WORK"."GROUPS_0" gb ON o.nb = gb.node_id
  WHERE o.problem IS NULL AND o.kind = 'never_link' AND ga.grp = gb.grp
) s;
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."LIM_FRONT_0" AS
SELECT node, anchor, anchors FROM "IDENTITY_WORK"."LIM_SEEN_0";

-- rounds 1 to 2; the runner stops when the count below reaches 0 (identifiers reached)
-- ring 1: each identifier next to the last ring joins its best anchor (more rows, then more recent, then anchor value)
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."LIM_FRONT_1" AS
SELECT node,
  anchor AS anchor,
  anchors
FROM (
  SELECT node, anchor,
    COUNT(*) OVER (PARTITION BY node) AS anchors,
    ROW_NUMBER() OVER (PARTITION BY node ORDER BY row_count DESC, last_seen_at DESC NULLS LAST, anchor_value) AS pos
  FROM (
    SELECT e.v AS node, f.anchor, a.id_value AS anchor_value,
      SUM(e.row_count) AS row_count, MAX(e.last_seen_at) AS last_seen_at
    FROM "IDENTITY_WORK"."LIM_EDGES" e
    JOIN "IDENTITY_WORK"."LIM_FRONT_0" f ON e.u = f.node
    JOIN "IDENTITY_WORK"."NODES" a ON f.anchor = a.node_id
    WHERE e.v NOT IN (SELECT node FROM "IDENTITY_WORK"."LIM_SEEN_0")
    GROUP BY e.v, f.anchor, a.id_value
  ) c
) r
WHERE pos = 1;
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."LIM_SEEN_1" AS
SELECT node, anchor, anchors FROM "IDENTITY_WORK"."LIM_SEEN_0"
UNION ALL
SELECT node, anchor, anchors FROM "IDENTITY_WORK"."LIM_FRONT_1";
-- ring 2: each identifier next to the last ring joins its best anchor (more rows, then more recent, then anchor value)
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."LIM_FRONT_0" AS
SELECT node,
  anchor AS anchor,
  anchors
FROM (
  SELECT node, anchor,
    COUNT(*) OVER (PARTITION BY node) AS anchors,
    ROW_NUMBER() OVER (PARTITION BY node ORDER BY row_count DESC, last_seen_at DESC NULLS LAST, anchor_value) AS pos
  FROM (
    SELECT e.v AS node, f.anchor, a.id_value AS anchor_value,
      SUM(e.row_count) AS row_count, MAX(e.last_seen_at) AS last_seen_at
    FROM "IDENTITY_WORK"."LIM_EDGES" e
    JOIN "IDENTITY_WORK"."LIM_FRONT_1" f ON e.u = f.node
    JOIN "IDENTITY_WORK"."NODES" a ON f.anchor = a.node_id
    WHERE e.v NOT IN (SELECT node FROM "IDENTITY_WORK"."LIM_SEEN_1")
    GROUP BY e.v, f.anchor, a.id_value
  ) c
) r
WHERE pos = 1;
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."LIM_SEEN_0" AS
SELECT node, anchor, anchors FROM "IDENTITY_WORK"."LIM_SEEN_1"
UNION ALL
SELECT node, anchor, anchors FROM "IDENTITY_WORK"."LIM_FRONT_0";
-- 2 rounds must have been enough
-- check: this count must be 0, else: the loop did not finish in the unrolled rounds; compile with more --rounds
SELECT COUNT(*) FROM "IDENTITY_WORK"."LIM_FRONT_0";
-- the refined partition; identifiers no anchor reached stay together
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."GROUPS_NL" AS
SELECT node_id,
  CASE
    WHEN violating = 0 THEN grp
    WHEN anchor IS NOT NULL THEN anchor
    ELSE MIN(CASE WHEN anchor IS NULL THEN node_id END) OVER (PARTITION BY grp)
  END AS grp
FROM (
  SELECT g.node_id, g.grp, s.anchor,
    CASE WHEN g.grp IN (SELECT grp FROM "IDENTITY_WORK"."NL_VIOLATING") THEN 1 ELSE 0 END AS violating
  FROM "IDENTITY_WORK"."GROUPS_0" g
  LEFT JOIN "IDENTITY_WORK"."LIM_SEEN_0" s ON g.node_id = s.node
  WHERE s.node IS NULL OR s.anchor IS NOT NULL
) x;

-- ===== stage outputs: the recomputed regions' rows of the output tables, and what changed
-- every identifier whose published rows are replaced
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."REDO" AS
SELECT DISTINCT node_id, id_type, id_value FROM (SELECT node_id, id_type, id_value FROM "IDENTITY_WORK"."NODES" UNION ALL SELECT node_id, id_type, id_value FROM "IDENTITY_WORK"."TOUCHED") r;
-- their published universal ids
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."OLD_MAP" AS
SELECT node_id, universal_id FROM "IDENTITY"."ID_GRAPH" WHERE node_id IN (SELECT node_id FROM "IDENTITY_WORK"."REDO");
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."REDO_IDS" AS
SELECT DISTINCT universal_id FROM (SELECT universal_id FROM "IDENTITY_WORK"."OLD_MAP" UNION ALL SELECT universal_id FROM "IDENTITY_WORK"."GRAPH") u;
-- of those, the identifiers whose published row changes
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."GRAPH_WRITE" AS
SELECT r.node_id FROM "IDENTITY_WORK"."REDO" r
WHERE r.node_id NOT IN (
  SELECT g.node_id
  FROM "IDENTITY_WORK"."GRAPH" g
  JOIN "IDENTITY"."ID_GRAPH" o ON o.node_id = g.node_id
  WHERE o.universal_id = g.universal_id AND o.id_type = g.id_type AND o.id_value = g.id_value AND o.row_count = g.row_count
    AND (o.first_seen_at = g.first_seen_at OR (o.first_seen_at IS NULL AND g.first_seen_at IS NULL))
    AND (o.last_seen_at = g.last_seen_at OR (o.last_seen_at IS NULL AND g.last_seen_at IS NULL))
);
-- and those whose stored region changes
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."REGIONS_WRITE" AS
SELECT r.node_id FROM "IDENTITY_WORK"."REDO" r
WHERE r.node_id NOT IN (
  SELECT n.node_id
  FROM "IDENTITY_WORK"."REGIONS_NEW" n
  JOIN "IDENTITY_STATE"."REGIONS" o ON o.node_id = n.node_id
  WHERE o.region = n.region AND o.id_type = n.id_type
);
-- universal ids that are new, merged, split or quarantined since the last run
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."CHANGES" AS
SELECT CASE
    WHEN p.new_id IS NULL THEN 'quarantine'
    WHEN p.old_id IS NULL THEN 'new'
    WHEN p.old_id IN (SELECT universal_id FROM "IDENTITY_WORK"."GRAPH") THEN 'split'
    ELSE 'merge'
  END AS kind,
  p.old_id AS old_universal_id, p.new_id AS new_universal_id, p.moved AS identifiers
FROM (
  SELECT old_id, new_id, COUNT(*) AS moved
  FROM (
    SELECT o.universal_id AS old_id, n.universal_id AS new_id
    FROM "IDENTITY_WORK"."OLD_MAP" o
    FULL OUTER JOIN "IDENTITY_WORK"."GRAPH" n ON o.node_id = n.node_id
  ) m
  WHERE old_id IS NULL OR new_id IS NULL OR old_id <> new_id
  GROUP BY old_id, new_id
) p
-- identifiers seen for the first time that join a profile which already existed change no id
WHERE NOT (p.old_id IS NULL AND p.new_id IN (SELECT universal_id FROM "IDENTITY_WORK"."OLD_MAP"));
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."PROFILES_REGION" AS
WITH ranked AS (
  SELECT component, id_type, id_value, first_seen_at, last_seen_at,
    ROW_NUMBER() OVER (PARTITION BY component, id_type ORDER BY last_seen_at DESC NULLS LAST, id_value DESC) AS pos
  FROM "IDENTITY_WORK"."ASSIGN"
), per_type AS (
  SELECT component, id_type, COUNT(*) AS n, MAX(CASE WHEN pos = 1 THEN id_value END) AS latest,
    MIN(first_seen_at) AS first_seen_at, MAX(last_seen_at) AS last_seen_at
  FROM ranked
  GROUP BY component, id_type
), per_profile AS (
  SELECT component,
    MIN(first_seen_at) AS first_seen_at,
    MAX(last_seen_at) AS last_seen_at,
    CAST(SUM(n) AS BIGINT) AS identifiers,
    CAST(COALESCE(SUM(CASE WHEN id_type = 'user_id' THEN n END), 0) AS BIGINT) AS "USER_ID_COUNT",
    MAX(CASE WHEN id_type = 'user_id' THEN latest END) AS "LATEST_USER_ID",
    CAST(COALESCE(SUM(CASE WHEN id_type = 'email' THEN n END), 0) AS BIGINT) AS "EMAIL_COUNT",
    MAX(CASE WHEN id_type = 'email' THEN latest END) AS "LATEST_EMAIL",
    CAST(COALESCE(SUM(CASE WHEN id_type = 'anonymous_id' THEN n END), 0) AS BIGINT) AS "ANONYMOUS_ID_COUNT",
    MAX(CASE WHEN id_type = 'anonymous_id' THEN latest END) AS "LATEST_ANONYMOUS_ID"
  FROM per_type
  GROUP BY component
)
SELECT a.universal_id, p.first_seen_at, p.last_seen_at, p.identifiers, p."USER_ID_COUNT", p."LATEST_USER_ID", p."EMAIL_COUNT", p."LATEST_EMAIL", p."ANONYMOUS_ID_COUNT", p."LATEST_ANONYMOUS_ID"
FROM per_profile p
JOIN "IDENTITY_WORK"."ANCHORS" a ON p.component = a.component;
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."EDGES_REGION" AS
SELECT ga.universal_id,
  ga.id_type AS id_type_a, ga.id_value AS id_value_a,
  gb.id_type AS id_type_b, gb.id_value AS id_value_b,
  e.row_count, e.first_seen_at, e.last_seen_at, e.sources
FROM "IDENTITY_WORK"."EDGES" e
JOIN "IDENTITY_WORK"."GRAPH" ga ON e.a = ga.node_id
JOIN "IDENTITY_WORK"."GRAPH" gb ON e.b = gb.node_id
-- one universal id per profile: its anchor's, which no other profile has
WHERE ga.universal_id = gb.universal_id;
-- what was kept out of the graph, and why
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY"."ID_QUARANTINE__NEXT" AS
SELECT id_type, id_value, reason, evidence, CAST(0 AS BIGINT) AS run_id
FROM (
  SELECT id_type, id_value, reason, evidence FROM "IDENTITY_WORK"."QVALUES_NEW"
  UNION ALL SELECT q.id_type, q.id_value, q.reason, q.evidence
FROM "IDENTITY"."ID_QUARANTINE" q
WHERE q.reason IN ('limit_conflict', 'anonymous_isolated')
  AND NOT EXISTS (SELECT 1 FROM "IDENTITY_WORK"."REDO" r WHERE r.id_type = q.id_type AND r.id_value = q.id_value)
) q;
-- audience members; those already in keep the time they entered
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY"."AUDIENCE_MEMBERS__NEXT" AS
SELECT m.audience, m.universal_id, COALESCE(prev.entered_at, CAST(SYSDATE() AS TIMESTAMP)) AS entered_at
FROM (
  SELECT CAST(NULL AS VARCHAR) AS audience, CAST(NULL AS VARCHAR) AS universal_id FROM "IDENTITY_WORK"."PROFILES_REGION" WHERE 1 = 0
) m
LEFT JOIN "IDENTITY"."AUDIENCE_MEMBERS" prev ON prev.audience = m.audience AND prev.universal_id = m.universal_id
UNION ALL
SELECT audience, universal_id, entered_at FROM "IDENTITY"."AUDIENCE_MEMBERS"
WHERE universal_id NOT IN (SELECT universal_id FROM "IDENTITY_WORK"."REDO_IDS");
-- the published links of those profiles that change or go, and the links that are new or changed
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."EDGES_DIFF" AS
SELECT o.universal_id AS s_universal_id, o.id_type_a AS s_id_type_a, o.id_value_a AS s_id_value_a,
  o.id_type_b AS s_id_type_b, o.id_value_b AS s_id_value_b,
  n.*
FROM (SELECT * FROM "IDENTITY"."ID_EDGES" WHERE universal_id IN (SELECT universal_id FROM "IDENTITY_WORK"."REDO_IDS")) o
FULL OUTER JOIN "IDENTITY_WORK"."EDGES_REGION" n
  ON n.universal_id = o.universal_id AND n.id_type_a = o.id_type_a AND n.id_value_a = o.id_value_a
  AND n.id_type_b = o.id_type_b AND n.id_value_b = o.id_value_b
WHERE o.universal_id IS NULL OR n.universal_id IS NULL OR NOT COALESCE(n.row_count = o.row_count AND n.sources = o.sources
  AND (COALESCE(n.first_seen_at = o.first_seen_at, FALSE) OR (n.first_seen_at IS NULL AND o.first_seen_at IS NULL))
  AND (COALESCE(n.last_seen_at = o.last_seen_at, FALSE) OR (n.last_seen_at IS NULL AND o.last_seen_at IS NULL)), FALSE);
-- the published profiles of the identifiers overrides name outside the recomputed regions
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."OVR_PUBLISHED" AS
SELECT node_id, universal_id
FROM "IDENTITY"."ID_GRAPH"
WHERE node_id IN (SELECT na FROM "IDENTITY_WORK"."OVR" WHERE na IS NOT NULL UNION ALL SELECT nb FROM "IDENTITY_WORK"."OVR" WHERE nb IS NOT NULL)
  AND node_id NOT IN (SELECT node_id FROM "IDENTITY_WORK"."REDO");
-- identifiers of each limited type per profile
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."OVR_COUNTS" AS
SELECT universal_id,
  SUM(CASE WHEN id_type = 'user_id' THEN 1 ELSE 0 END) AS "C1"
FROM "IDENTITY_WORK"."GRAPH"
GROUP BY universal_id
UNION ALL
SELECT universal_id,
  SUM(CASE WHEN id_type = 'user_id' THEN 1 ELSE 0 END) AS "C1"
FROM "IDENTITY"."ID_GRAPH"
WHERE universal_id IN (SELECT universal_id FROM "IDENTITY_WORK"."OVR_PUBLISHED")
GROUP BY universal_id;
-- what this run makes of each override: applied, refused, waiting or invalid
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."OVR_STATUS" AS
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
      WHEN EXISTS (SELECT 1 FROM "IDENTITY_WORK"."OVR" x WHERE x.problem IS NULL AND x.kind = 'never_link'
          AND ((x.na = o.na AND x.nb = o.nb) OR (x.na = o.nb AND x.nb = o.na))) THEN 'a never_link names the same identifiers'
      WHEN ca."C1" + cb."C1" > 1 THEN 'together they would hold more than 1 user_id, over the limit per profile'
      ELSE 'the anonymous policy or another override keeps them apart'
    END AS detail,
    o.here
  FROM (
    SELECT o.*,
      COALESCE(ga.universal_id, pa.universal_id) AS ua, COALESCE(gb.universal_id, pb.universal_id) AS ub,
      CASE WHEN ga.node_id IS NOT NULL OR gb.node_id IS NOT NULL THEN 1 ELSE 0 END AS here
    FROM "IDENTITY_WORK"."OVR" o
    LEFT JOIN "IDENTITY_WORK"."GRAPH" ga ON o.na = ga.node_id
    LEFT JOIN "IDENTITY_WORK"."GRAPH" gb ON o.nb = gb.node_id
    LEFT JOIN "IDENTITY_WORK"."OVR_PUBLISHED" pa ON o.na = pa.node_id
    LEFT JOIN "IDENTITY_WORK"."OVR_PUBLISHED" pb ON o.nb = pb.node_id
  ) o
  LEFT JOIN "IDENTITY_WORK"."OVR_COUNTS" ca ON o.ua = ca.universal_id
  LEFT JOIN "IDENTITY_WORK"."OVR_COUNTS" cb ON o.ub = cb.universal_id
) s
WHERE s.here = 1 OR s.status = 'invalid' OR s.override_id IN (
  SELECT override_id FROM "IDENTITY"."OVERRIDES" WHERE status IS NULL OR status = 'pending'
);

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
DELETE FROM "IDENTITY_STATE"."ROWS_EVENTS" WHERE (ts IS NULL OR ts >= CAST('2026-10-29 00:00:00' AS TIMESTAMP)) AND row_hash IN (SELECT row_hash FROM "IDENTITY_WORK"."GONE_EVENTS");
INSERT INTO "IDENTITY_STATE"."ROWS_EVENTS" SELECT * FROM "IDENTITY_WORK"."INS_EVENTS";
DELETE FROM "IDENTITY_STATE"."QVALUES" WHERE 1 = 1;
INSERT INTO "IDENTITY_STATE"."QVALUES" SELECT id_type, id_value, reason, evidence FROM "IDENTITY_WORK"."QVALUES_NEW";
DELETE FROM "IDENTITY_STATE"."REGIONS" WHERE node_id IN (SELECT node_id FROM "IDENTITY_WORK"."REGIONS_WRITE");
INSERT INTO "IDENTITY_STATE"."REGIONS" SELECT * FROM (SELECT node_id, region, id_type FROM "IDENTITY_WORK"."REGIONS_NEW") q WHERE q.node_id IN (SELECT node_id FROM "IDENTITY_WORK"."REGIONS_WRITE");
DELETE FROM "IDENTITY_STATE"."META" WHERE 1 = 1;
INSERT INTO "IDENTITY_STATE"."META" (section, fingerprint) VALUES ('layout', '5'), ('audiences', '74234e98afe7498f'), ('checks', '7b5219e6ed221e25'), ('degrees', '2833ac7524c0f216'), ('id_salt', '3f738e2206dda036'), ('id_types', '226703e49e2f6c68'), ('limits', '{"user_id":1}'), ('policy', '439083f38956ba51'), ('sources', 'f9f904fedc66e346'), ('traits', '74234e98afe7498f');
INSERT INTO "IDENTITY"."ID_CHANGES" (run_id, changed_at, kind, old_universal_id, new_universal_id, identifiers) SELECT 0, CAST(SYSDATE() AS TIMESTAMP), kind, old_universal_id, new_universal_id, identifiers FROM "IDENTITY_WORK"."CHANGES";
UPDATE "IDENTITY"."OVERRIDES"
SET status = s.status, status_detail = s.detail, status_run_id = 0
FROM "IDENTITY_WORK"."OVR_STATUS" s
WHERE "OVERRIDES".override_id = s.override_id;
DELETE FROM "IDENTITY_STATE"."OVERRIDES" WHERE 1 = 1;
INSERT INTO "IDENTITY_STATE"."OVERRIDES" (kind, na, nb)
SELECT kind, na, CASE WHEN kind IN ('block', 'unblock') THEN NULL ELSE nb END FROM "IDENTITY_WORK"."OVR" WHERE problem IS NULL;
COMMIT;
