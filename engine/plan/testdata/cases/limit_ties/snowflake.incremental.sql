-- idstitch plan: project limit_ties, warehouse snowflake, components by contraction
-- The runner also records each run in the runs table; that bookkeeping is not part of this script, and run_id is 0 in what it writes.

-- ===== stage limit_user_id: at most 1 user_id per profile: split the profiles that hold more
-- profiles over the limit
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."LIM_VIOLATING" AS
SELECT g.grp
FROM "IDENTITY_WORK"."GROUPS_0" g
JOIN "IDENTITY_WORK"."NODES" n ON g.node_id = n.node_id
WHERE n.id_type = 'user_id'
GROUP BY g.grp
HAVING COUNT(*) > 1;
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
WHERE gu = gv AND gu IN (SELECT grp FROM "IDENTITY_WORK"."LIM_VIOLATING");
-- their identifiers of this type are the anchors
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."LIM_SEEN_0" AS
SELECT g.node_id AS node, g.node_id AS anchor, 0 AS anchors
FROM "IDENTITY_WORK"."GROUPS_0" g
JOIN "IDENTITY_WORK"."NODES" n ON g.node_id = n.node_id
WHERE n.id_type = 'user_id' AND g.grp IN (SELECT grp FROM "IDENTITY_WORK"."LIM_VIOLATING");
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."LIM_FRONT_0" AS
SELECT node, anchor, anchors FROM "IDENTITY_WORK"."LIM_SEEN_0";

-- rounds 1 to 2; the runner stops when the count below reaches 0 (identifiers reached)
-- ring 1: each identifier next to the last ring joins its best anchor (more rows, then more recent, then anchor value)
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."LIM_FRONT_1" AS
SELECT node,
  CASE WHEN anchors > 1 THEN NULL ELSE anchor END AS anchor,
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
  CASE WHEN anchors > 1 THEN NULL ELSE anchor END AS anchor,
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
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."GROUPS_1" AS
SELECT node_id,
  CASE
    WHEN violating = 0 THEN grp
    WHEN anchor IS NOT NULL THEN anchor
    ELSE MIN(CASE WHEN anchor IS NULL THEN node_id END) OVER (PARTITION BY grp)
  END AS grp
FROM (
  SELECT g.node_id, g.grp, s.anchor,
    CASE WHEN g.grp IN (SELECT grp FROM "IDENTITY_WORK"."LIM_VIOLATING") THEN 1 ELSE 0 END AS violating
  FROM "IDENTITY_WORK"."GROUPS_0" g
  LEFT JOIN "IDENTITY_WORK"."LIM_SEEN_0" s ON g.node_id = s.node
  WHERE s.node IS NULL OR s.anchor IS NOT NULL
) x;
-- identifiers equally near several anchors (policy.limit_ties: isolate)
CREATE OR REPLACE TRANSIENT TABLE "IDENTITY_WORK"."CONFLICTS_USER_ID" AS
SELECT node AS node_id, anchors FROM "IDENTITY_WORK"."LIM_SEEN_0" WHERE anchor IS NULL;

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
    MAX(CASE WHEN id_type = 'email' THEN latest END) AS "LATEST_EMAIL"
  FROM per_type
  GROUP BY component
)
SELECT a.universal_id, p.first_seen_at, p.last_seen_at, p.identifiers, p."USER_ID_COUNT", p."LATEST_USER_ID", p."EMAIL_COUNT", p."LATEST_EMAIL"
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
  UNION ALL SELECT n.id_type, n.id_value, 'limit_conflict' AS reason, CAST(q.anchors AS BIGINT) AS evidence
FROM "IDENTITY_WORK"."CONFLICTS_USER_ID" q JOIN "IDENTITY_WORK"."NODES" n ON q.node_id = n.node_id
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
