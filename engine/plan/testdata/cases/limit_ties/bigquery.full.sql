-- idstitch plan: project limit_ties, warehouse bigquery, components by contraction
-- The runner also records each run in the runs table; that bookkeeping is not part of this script, and run_id is 0 in what it writes.

-- ===== stage limit_user_id: at most 1 user_id per profile: split the profiles that hold more
-- profiles over the limit
CREATE OR REPLACE TABLE `identity_work`.`lim_violating`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT g.grp
FROM `identity_work`.`groups_0` g
JOIN `identity_work`.`nodes` n ON g.node_id = n.node_id
WHERE n.id_type = 'user_id'
GROUP BY g.grp
HAVING COUNT(*) > 1;
-- their links, both ways
CREATE OR REPLACE TABLE `identity_work`.`lim_edges`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT u, v, row_count, last_seen_at
FROM (
  SELECT e.a AS u, e.b AS v, e.row_count, e.last_seen_at, ga.grp AS gu, gb.grp AS gv
  FROM `identity_work`.`edges` e
  JOIN `identity_work`.`groups_0` ga ON e.a = ga.node_id
  JOIN `identity_work`.`groups_0` gb ON e.b = gb.node_id
  UNION ALL
  SELECT e.b AS u, e.a AS v, e.row_count, e.last_seen_at, gb.grp AS gu, ga.grp AS gv
  FROM `identity_work`.`edges` e
  JOIN `identity_work`.`groups_0` ga ON e.a = ga.node_id
  JOIN `identity_work`.`groups_0` gb ON e.b = gb.node_id
) d
WHERE gu = gv AND gu IN (SELECT grp FROM `identity_work`.`lim_violating`);
-- their identifiers of this type are the anchors
CREATE OR REPLACE TABLE `identity_work`.`lim_seen_0`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT g.node_id AS node, g.node_id AS anchor, 0 AS anchors
FROM `identity_work`.`groups_0` g
JOIN `identity_work`.`nodes` n ON g.node_id = n.node_id
WHERE n.id_type = 'user_id' AND g.grp IN (SELECT grp FROM `identity_work`.`lim_violating`);
CREATE OR REPLACE TABLE `identity_work`.`lim_front_0`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT node, anchor, anchors FROM `identity_work`.`lim_seen_0`;

-- rounds 1 to 2; the runner stops when the count below reaches 0 (identifiers reached)
-- ring 1: each identifier next to the last ring joins its best anchor (more rows, then more recent, then anchor value)
CREATE OR REPLACE TABLE `identity_work`.`lim_front_1`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
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
    FROM `identity_work`.`lim_edges` e
    JOIN `identity_work`.`lim_front_0` f ON e.u = f.node
    JOIN `identity_work`.`nodes` a ON f.anchor = a.node_id
    WHERE e.v NOT IN (SELECT node FROM `identity_work`.`lim_seen_0`)
    GROUP BY e.v, f.anchor, a.id_value
  ) c
) r
WHERE pos = 1;
CREATE OR REPLACE TABLE `identity_work`.`lim_seen_1`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT node, anchor, anchors FROM `identity_work`.`lim_seen_0`
UNION ALL
SELECT node, anchor, anchors FROM `identity_work`.`lim_front_1`;
-- ring 2: each identifier next to the last ring joins its best anchor (more rows, then more recent, then anchor value)
CREATE OR REPLACE TABLE `identity_work`.`lim_front_0`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
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
    FROM `identity_work`.`lim_edges` e
    JOIN `identity_work`.`lim_front_1` f ON e.u = f.node
    JOIN `identity_work`.`nodes` a ON f.anchor = a.node_id
    WHERE e.v NOT IN (SELECT node FROM `identity_work`.`lim_seen_1`)
    GROUP BY e.v, f.anchor, a.id_value
  ) c
) r
WHERE pos = 1;
CREATE OR REPLACE TABLE `identity_work`.`lim_seen_0`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT node, anchor, anchors FROM `identity_work`.`lim_seen_1`
UNION ALL
SELECT node, anchor, anchors FROM `identity_work`.`lim_front_0`;
-- 2 rounds must have been enough
-- check: this count must be 0, else: the loop did not finish in the unrolled rounds; compile with more --rounds
SELECT COUNT(*) FROM `identity_work`.`lim_front_0`;
-- the refined partition; identifiers no anchor reached stay together
CREATE OR REPLACE TABLE `identity_work`.`groups_1`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT node_id,
  CASE
    WHEN violating = 0 THEN grp
    WHEN anchor IS NOT NULL THEN anchor
    ELSE MIN(CASE WHEN anchor IS NULL THEN node_id END) OVER (PARTITION BY grp)
  END AS grp
FROM (
  SELECT g.node_id, g.grp, s.anchor,
    CASE WHEN g.grp IN (SELECT grp FROM `identity_work`.`lim_violating`) THEN 1 ELSE 0 END AS violating
  FROM `identity_work`.`groups_0` g
  LEFT JOIN `identity_work`.`lim_seen_0` s ON g.node_id = s.node
  WHERE s.node IS NULL OR s.anchor IS NOT NULL
) x;
-- identifiers equally near several anchors (policy.limit_ties: isolate)
CREATE OR REPLACE TABLE `identity_work`.`conflicts_user_id`
OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)) AS
SELECT node AS node_id, anchors FROM `identity_work`.`lim_seen_0` WHERE anchor IS NULL;

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
    CAST(COALESCE(SUM(CASE WHEN id_type = 'email' THEN n END), 0) AS INT64) AS `email_count`,
    MAX(CASE WHEN id_type = 'email' THEN latest END) AS `latest_email`
  FROM per_type
  GROUP BY component
)
SELECT a.universal_id, p.first_seen_at, p.last_seen_at, p.identifiers, p.`user_id_count`, p.`latest_user_id`, p.`email_count`, p.`latest_email`
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
  SELECT n.id_type, n.id_value, 'limit_conflict' AS reason, CAST(q.anchors AS INT64) AS evidence
FROM `identity_work`.`conflicts_user_id` q JOIN `identity_work`.`nodes` n ON q.node_id = n.node_id
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
