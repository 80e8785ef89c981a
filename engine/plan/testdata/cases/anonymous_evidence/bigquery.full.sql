-- idstitch plan: project anonymous_evidence, warehouse bigquery, components by contraction
-- The runner also records each run in the runs table; that bookkeeping is not part of this script, and run_id is 0 in what it writes.

-- ===== stage components: connected components by randomised contraction
-- round 0: the graph's edges
CREATE OR REPLACE TABLE `identity_work`.`cc_edges_0`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT e.a, e.b FROM `identity_work`.`edges` e
JOIN `identity_work`.`nodes` na ON e.a = na.node_id
JOIN `identity_work`.`nodes` nb ON e.b = nb.node_id
WHERE na.id_type NOT IN ('device_id', 'anonymous_id')
  AND nb.id_type NOT IN ('device_id', 'anonymous_id');

-- rounds 1 to 2; the runner stops when the count below reaches 0 (edges left)
-- round 1: every node picks the neighbour (or itself) with the smallest hash
CREATE OR REPLACE TABLE `identity_work`.`cc_map_1`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT v, ANY_VALUE(u HAVING MIN FARM_FINGERPRINT(CONCAT(CAST(u AS STRING), ':1'))) AS rep
FROM (
  SELECT a AS v, b AS u FROM `identity_work`.`cc_edges_0`
  UNION ALL SELECT b AS v, a AS u FROM `identity_work`.`cc_edges_0`
  UNION ALL SELECT a AS v, a AS u FROM `identity_work`.`cc_edges_0`
  UNION ALL SELECT b AS v, b AS u FROM `identity_work`.`cc_edges_0`
) n
GROUP BY v;
-- round 1: rewrite edges onto representatives; drop self-loops
CREATE OR REPLACE TABLE `identity_work`.`cc_edges_1`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT DISTINCT LEAST(ma.rep, mb.rep) AS a, GREATEST(ma.rep, mb.rep) AS b
FROM `identity_work`.`cc_edges_0` e
JOIN `identity_work`.`cc_map_1` ma ON e.a = ma.v
JOIN `identity_work`.`cc_map_1` mb ON e.b = mb.v
WHERE ma.rep <> mb.rep;
-- round 2: every node picks the neighbour (or itself) with the smallest hash
CREATE OR REPLACE TABLE `identity_work`.`cc_map_2`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT v, ANY_VALUE(u HAVING MIN FARM_FINGERPRINT(CONCAT(CAST(u AS STRING), ':2'))) AS rep
FROM (
  SELECT a AS v, b AS u FROM `identity_work`.`cc_edges_1`
  UNION ALL SELECT b AS v, a AS u FROM `identity_work`.`cc_edges_1`
  UNION ALL SELECT a AS v, a AS u FROM `identity_work`.`cc_edges_1`
  UNION ALL SELECT b AS v, b AS u FROM `identity_work`.`cc_edges_1`
) n
GROUP BY v;
-- round 2: rewrite edges onto representatives; drop self-loops (in place of the edges of round 0)
CREATE OR REPLACE TABLE `identity_work`.`cc_edges_0`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT DISTINCT LEAST(ma.rep, mb.rep) AS a, GREATEST(ma.rep, mb.rep) AS b
FROM `identity_work`.`cc_edges_1` e
JOIN `identity_work`.`cc_map_2` ma ON e.a = ma.v
JOIN `identity_work`.`cc_map_2` mb ON e.b = mb.v
WHERE ma.rep <> mb.rep;
-- 2 rounds must have been enough
-- check: this count must be 0, else: the loop did not finish in the unrolled rounds; compile with more --rounds
SELECT COUNT(*) FROM `identity_work`.`cc_edges_0`;
-- compose the 2 round maps, last to first, and label each component with its smallest node id, whatever the random choices
CREATE OR REPLACE TABLE `identity_work`.`labels`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
WITH
r2 AS (
  SELECT v, rep FROM `identity_work`.`cc_map_2`
),
r1 AS (
  SELECT m.v, COALESCE(l.rep, m.rep) AS rep
  FROM `identity_work`.`cc_map_1` m
  LEFT JOIN r2 l ON m.rep = l.v
)
SELECT v AS node_id, MIN(v) OVER (PARTITION BY rep) AS component
FROM r1;
-- the partition that the limits and policies below refine
CREATE OR REPLACE TABLE `identity_work`.`groups_0`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT n.node_id, COALESCE(l.component, n.node_id) AS grp
FROM `identity_work`.`nodes` n
LEFT JOIN `identity_work`.`labels` l ON n.node_id = l.node_id
WHERE 1 = 1
  AND n.id_type NOT IN ('device_id', 'anonymous_id');

-- ===== stage regions: regions: components of all links, the unit that incremental runs recompute
-- round 0: the graph's edges
CREATE OR REPLACE TABLE `identity_work`.`rc_edges_0`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT e.a, e.b FROM `identity_work`.`edges` e;

-- rounds 1 to 2; the runner stops when the count below reaches 0 (edges left)
-- round 1: every node picks the neighbour (or itself) with the smallest hash
CREATE OR REPLACE TABLE `identity_work`.`rc_map_1`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT v, ANY_VALUE(u HAVING MIN FARM_FINGERPRINT(CONCAT(CAST(u AS STRING), ':1'))) AS rep
FROM (
  SELECT a AS v, b AS u FROM `identity_work`.`rc_edges_0`
  UNION ALL SELECT b AS v, a AS u FROM `identity_work`.`rc_edges_0`
  UNION ALL SELECT a AS v, a AS u FROM `identity_work`.`rc_edges_0`
  UNION ALL SELECT b AS v, b AS u FROM `identity_work`.`rc_edges_0`
) n
GROUP BY v;
-- round 1: rewrite edges onto representatives; drop self-loops
CREATE OR REPLACE TABLE `identity_work`.`rc_edges_1`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT DISTINCT LEAST(ma.rep, mb.rep) AS a, GREATEST(ma.rep, mb.rep) AS b
FROM `identity_work`.`rc_edges_0` e
JOIN `identity_work`.`rc_map_1` ma ON e.a = ma.v
JOIN `identity_work`.`rc_map_1` mb ON e.b = mb.v
WHERE ma.rep <> mb.rep;
-- round 2: every node picks the neighbour (or itself) with the smallest hash
CREATE OR REPLACE TABLE `identity_work`.`rc_map_2`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT v, ANY_VALUE(u HAVING MIN FARM_FINGERPRINT(CONCAT(CAST(u AS STRING), ':2'))) AS rep
FROM (
  SELECT a AS v, b AS u FROM `identity_work`.`rc_edges_1`
  UNION ALL SELECT b AS v, a AS u FROM `identity_work`.`rc_edges_1`
  UNION ALL SELECT a AS v, a AS u FROM `identity_work`.`rc_edges_1`
  UNION ALL SELECT b AS v, b AS u FROM `identity_work`.`rc_edges_1`
) n
GROUP BY v;
-- round 2: rewrite edges onto representatives; drop self-loops (in place of the edges of round 0)
CREATE OR REPLACE TABLE `identity_work`.`rc_edges_0`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT DISTINCT LEAST(ma.rep, mb.rep) AS a, GREATEST(ma.rep, mb.rep) AS b
FROM `identity_work`.`rc_edges_1` e
JOIN `identity_work`.`rc_map_2` ma ON e.a = ma.v
JOIN `identity_work`.`rc_map_2` mb ON e.b = mb.v
WHERE ma.rep <> mb.rep;
-- 2 rounds must have been enough
-- check: this count must be 0, else: the loop did not finish in the unrolled rounds; compile with more --rounds
SELECT COUNT(*) FROM `identity_work`.`rc_edges_0`;
-- compose the 2 round maps, last to first, and label each component with its smallest node id, whatever the random choices
CREATE OR REPLACE TABLE `identity_work`.`region_labels`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
WITH
r2 AS (
  SELECT v, rep FROM `identity_work`.`rc_map_2`
),
r1 AS (
  SELECT m.v, COALESCE(l.rep, m.rep) AS rep
  FROM `identity_work`.`rc_map_1` m
  LEFT JOIN r2 l ON m.rep = l.v
)
SELECT v AS node_id, MIN(v) OVER (PARTITION BY rep) AS component
FROM r1;

-- ===== stage anonymous: policy evidence: each anonymous identifier joins the one known profile its own rows and their time point to, or none
-- direct evidence: the rows each anonymous identifier shares with each known profile, and when
CREATE OR REPLACE TABLE `identity_work`.`ev_direct`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT e.x AS node_id, g.grp, CAST(SUM(e.row_count) AS INT64) AS row_count,
  MIN(e.first_seen_at) AS first_seen_at, MAX(e.last_seen_at) AS last_seen_at
FROM (
  SELECT a AS x, b AS y, row_count, first_seen_at, last_seen_at FROM `identity_work`.`edges`
  UNION ALL SELECT b AS x, a AS y, row_count, first_seen_at, last_seen_at FROM `identity_work`.`edges`
) e
JOIN `identity_work`.`nodes` n ON e.x = n.node_id
JOIN `identity_work`.`groups_0` g ON e.y = g.node_id
WHERE n.id_type IN ('device_id', 'anonymous_id')
GROUP BY e.x, g.grp;
-- the profiles of each, the last to sign in on it first
CREATE OR REPLACE TABLE `identity_work`.`ev_ranked`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT node_id, grp, row_count, first_seen_at, last_seen_at,
  COUNT(*) OVER (PARTITION BY node_id) AS profiles,
  ROW_NUMBER() OVER (PARTITION BY node_id ORDER BY first_seen_at DESC NULLS LAST, grp) AS rk
FROM `identity_work`.`ev_direct`;
-- ring 0: one profile, or the last to sign in when the others' rows lie within 2700s before; else ambiguous
CREATE OR REPLACE TABLE `identity_work`.`ev_seen_0`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT t.node_id,
  CASE WHEN t.profiles = 1 OR (o.last_seen_at < t.first_seen_at AND o.first_seen_at >= TIMESTAMP_SUB(t.first_seen_at, INTERVAL 2700 SECOND))
    THEN t.grp END AS grp,
  t.profiles, t.row_count AS evidence, 0 AS ring
FROM `identity_work`.`ev_ranked` t
LEFT JOIN (
  SELECT node_id, MIN(first_seen_at) AS first_seen_at, MAX(last_seen_at) AS last_seen_at
  FROM `identity_work`.`ev_ranked` WHERE rk > 1 GROUP BY node_id
) o ON t.node_id = o.node_id
WHERE t.rk = 1;
-- ring 0 decided them all
CREATE OR REPLACE TABLE `identity_work`.`ev_front_0`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT * FROM `identity_work`.`ev_seen_0`;
-- links between two anonymous identifiers, both ways
CREATE OR REPLACE TABLE `identity_work`.`ev_links`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT e.a AS x, e.b AS y FROM `identity_work`.`edges` e
JOIN `identity_work`.`nodes` na ON e.a = na.node_id
JOIN `identity_work`.`nodes` nb ON e.b = nb.node_id
WHERE na.id_type IN ('device_id', 'anonymous_id')
  AND nb.id_type IN ('device_id', 'anonymous_id')
UNION ALL
SELECT e.b AS x, e.a AS y FROM `identity_work`.`edges` e
JOIN `identity_work`.`nodes` na ON e.a = na.node_id
JOIN `identity_work`.`nodes` nb ON e.b = nb.node_id
WHERE na.id_type IN ('device_id', 'anonymous_id')
  AND nb.id_type IN ('device_id', 'anonymous_id');

-- rounds 1 to 2; the runner stops when the count below reaches 0 (anonymous identifiers reached)
-- ring 1: the undecided anonymous identifiers linked to those ring 0 placed join their profile when all agree
CREATE OR REPLACE TABLE `identity_work`.`ev_front_1`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT l.y AS node_id, CASE WHEN COUNT(DISTINCT f.grp) = 1 THEN MIN(f.grp) END AS grp,
  COUNT(DISTINCT f.grp) AS profiles, COUNT(*) AS evidence, 1 AS ring
FROM `identity_work`.`ev_links` l
JOIN `identity_work`.`ev_front_0` f ON l.x = f.node_id
LEFT JOIN `identity_work`.`ev_seen_0` s ON l.y = s.node_id
WHERE f.grp IS NOT NULL AND s.node_id IS NULL
GROUP BY l.y;
CREATE OR REPLACE TABLE `identity_work`.`ev_seen_1`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT node_id, grp, profiles, evidence, ring FROM `identity_work`.`ev_seen_0`
UNION ALL
SELECT node_id, grp, profiles, evidence, ring FROM `identity_work`.`ev_front_1`;
-- ring 2: the undecided anonymous identifiers linked to those ring 1 placed join their profile when all agree
CREATE OR REPLACE TABLE `identity_work`.`ev_front_0`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT l.y AS node_id, CASE WHEN COUNT(DISTINCT f.grp) = 1 THEN MIN(f.grp) END AS grp,
  COUNT(DISTINCT f.grp) AS profiles, COUNT(*) AS evidence, 2 AS ring
FROM `identity_work`.`ev_links` l
JOIN `identity_work`.`ev_front_1` f ON l.x = f.node_id
LEFT JOIN `identity_work`.`ev_seen_1` s ON l.y = s.node_id
WHERE f.grp IS NOT NULL AND s.node_id IS NULL
GROUP BY l.y;
CREATE OR REPLACE TABLE `identity_work`.`ev_seen_0`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT node_id, grp, profiles, evidence, ring FROM `identity_work`.`ev_seen_1`
UNION ALL
SELECT node_id, grp, profiles, evidence, ring FROM `identity_work`.`ev_front_0`;
-- 2 rounds must have been enough
-- check: this count must be 0, else: the loop did not finish in the unrolled rounds; compile with more --rounds
SELECT COUNT(*) FROM `identity_work`.`ev_front_0`;
-- the final partition: anonymous identifiers no evidence reached stay alone, or with their region when nobody signed in there
CREATE OR REPLACE TABLE `identity_work`.`groups_final`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT node_id, grp FROM `identity_work`.`groups_0`
UNION ALL
SELECT node_id, grp FROM `identity_work`.`ev_seen_0` WHERE grp IS NOT NULL
UNION ALL
SELECT n.node_id, CASE WHEN t.region IS NULL THEN COALESCE(r.component, n.node_id) ELSE n.node_id END AS grp
FROM `identity_work`.`nodes` n
LEFT JOIN `identity_work`.`ev_seen_0` s ON n.node_id = s.node_id
LEFT JOIN `identity_work`.`region_labels` r ON n.node_id = r.node_id
LEFT JOIN (
  SELECT DISTINCT r2.component AS region
  FROM `identity_work`.`region_labels` r2 JOIN `identity_work`.`ev_seen_0` d ON r2.node_id = d.node_id
) t ON r.component = t.region
WHERE s.node_id IS NULL
  AND n.id_type IN ('device_id', 'anonymous_id');
-- anonymous identifiers whose evidence points to several profiles join none
CREATE OR REPLACE TABLE `identity_work`.`ev_ambiguous`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT node_id, profiles FROM `identity_work`.`ev_seen_0` WHERE grp IS NULL;
DROP TABLE IF EXISTS `identity_work`.`ev_ranked`;

-- ===== stage ids: one universal id per profile, from its anchor identifier
-- every identifier in the graph with its profile
CREATE OR REPLACE TABLE `identity_work`.`assign`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT n.node_id, n.id_type, n.id_value, n.type_rank, n.first_seen_at, n.last_seen_at, n.row_count,
  g.grp AS component
FROM `identity_work`.`nodes` n
JOIN `identity_work`.`groups_final` g ON n.node_id = g.node_id;
-- anchor: earliest first_seen, then type priority, then value
CREATE OR REPLACE TABLE `identity_work`.`anchors`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT component, id_type AS anchor_type, id_value AS anchor_value,
  TO_HEX(MD5(CONCAT('anonymous_evidence', '|', id_type, '|', id_value))) AS universal_id
FROM (
  SELECT component, id_type, id_value,
    ROW_NUMBER() OVER (PARTITION BY component ORDER BY first_seen_at ASC NULLS LAST, type_rank, id_value) AS pos
  FROM `identity_work`.`assign`
) a
WHERE pos = 1;
-- every identifier with its universal id: the next id_graph
CREATE OR REPLACE TABLE `identity`.`id_graph__next`
CLUSTER BY `id_type`, `id_value` AS
SELECT a.universal_id, n.id_type, n.id_value, n.first_seen_at, n.last_seen_at, n.row_count, n.node_id
FROM `identity_work`.`assign` n
JOIN `identity_work`.`anchors` a ON n.component = a.component;
-- every identifier's region, quarantined ones too
CREATE OR REPLACE TABLE `identity_state`.`regions__next`
CLUSTER BY `node_id` AS
SELECT n.node_id, COALESCE(l.component, n.node_id) AS region, n.id_type
FROM `identity_work`.`nodes` n
LEFT JOIN `identity_work`.`region_labels` l ON n.node_id = l.node_id;

-- ===== stage outputs: output tables, built beside the published ones
-- universal ids that are new, merged, split or quarantined since the last run
CREATE OR REPLACE TABLE `identity_work`.`changes`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT CASE
    WHEN p.new_id IS NULL THEN 'quarantine'
    WHEN p.old_id IS NULL THEN 'new'
    WHEN p.old_id IN (SELECT universal_id FROM `identity`.`id_graph__next`) THEN 'split'
    ELSE 'merge'
  END AS kind,
  p.old_id AS old_universal_id, p.new_id AS new_universal_id, p.moved AS identifiers
FROM (
  SELECT old_id, new_id, COUNT(*) AS moved
  FROM (
    SELECT o.universal_id AS old_id, n.universal_id AS new_id
    FROM `identity`.`id_graph` o
    FULL OUTER JOIN `identity`.`id_graph__next` n ON o.node_id = n.node_id
  ) m
  WHERE old_id IS NULL OR new_id IS NULL OR old_id <> new_id
  GROUP BY old_id, new_id
) p
-- identifiers seen for the first time that join a profile which already existed change no id
WHERE NOT (p.old_id IS NULL AND p.new_id IN (SELECT universal_id FROM `identity`.`id_graph`));
CREATE OR REPLACE TABLE `identity`.`profiles__next`
CLUSTER BY `universal_id` AS
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
    CAST(COALESCE(SUM(CASE WHEN id_type = 'device_id' THEN n END), 0) AS INT64) AS `device_id_count`,
    MAX(CASE WHEN id_type = 'device_id' THEN latest END) AS `latest_device_id`,
    CAST(COALESCE(SUM(CASE WHEN id_type = 'anonymous_id' THEN n END), 0) AS INT64) AS `anonymous_id_count`,
    MAX(CASE WHEN id_type = 'anonymous_id' THEN latest END) AS `latest_anonymous_id`
  FROM per_type
  GROUP BY component
)
SELECT a.universal_id, p.first_seen_at, p.last_seen_at, p.identifiers, p.`user_id_count`, p.`latest_user_id`, p.`device_id_count`, p.`latest_device_id`, p.`anonymous_id_count`, p.`latest_anonymous_id`
FROM per_profile p
JOIN `identity_work`.`anchors` a ON p.component = a.component;
CREATE OR REPLACE TABLE `identity`.`id_edges__next`
CLUSTER BY `universal_id` AS
SELECT ga.universal_id,
  ga.id_type AS id_type_a, ga.id_value AS id_value_a,
  gb.id_type AS id_type_b, gb.id_value AS id_value_b,
  e.row_count, e.first_seen_at, e.last_seen_at, e.sources
FROM `identity_work`.`edges` e
JOIN `identity`.`id_graph__next` ga ON e.a = ga.node_id
JOIN `identity`.`id_graph__next` gb ON e.b = gb.node_id
-- one universal id per profile: its anchor's, which no other profile has
WHERE ga.universal_id = gb.universal_id;
-- what was kept out of the graph, and why
CREATE OR REPLACE TABLE `identity`.`id_quarantine__next` AS
SELECT id_type, id_value, reason, evidence, CAST(0 AS INT64) AS run_id
FROM (
  SELECT n.id_type, n.id_value, 'anonymous_ambiguous' AS reason, CAST(q.profiles AS INT64) AS evidence
FROM `identity_work`.`ev_ambiguous` q JOIN `identity_work`.`nodes` n ON q.node_id = n.node_id
) q;
-- audience members; those already in keep the time they entered
CREATE OR REPLACE TABLE `identity`.`audience_members__next` AS
SELECT m.audience, m.universal_id, COALESCE(prev.entered_at, CAST(CURRENT_TIMESTAMP() AS TIMESTAMP)) AS entered_at
FROM (
  SELECT CAST(NULL AS STRING) AS audience, CAST(NULL AS STRING) AS universal_id FROM `identity`.`profiles__next` WHERE 1 = 0
) m
LEFT JOIN `identity`.`audience_members` prev ON prev.audience = m.audience AND prev.universal_id = m.universal_id;
CREATE OR REPLACE TABLE `identity_state`.`hubs__next` AS
SELECT CAST(NULL AS INT64) AS node_id, CAST(NULL AS INT64) AS degree, CAST(NULL AS STRING) AS id_type, CAST(NULL AS STRING) AS id_value LIMIT 0;
CREATE OR REPLACE TABLE `identity_state`.`qvalues__next` AS
SELECT CAST(NULL AS STRING) AS id_type, CAST(NULL AS STRING) AS id_value, CAST(NULL AS STRING) AS reason, CAST(NULL AS INT64) AS evidence LIMIT 0;
-- the changes, kept for the publish
CREATE OR REPLACE TABLE `identity`.`id_changes__next` AS
SELECT * FROM `identity_work`.`changes`;
