{{/* app_prev: the published profiles a batch touches (their universal ids, old_id) with the group each joins. */}}
SELECT DISTINCT o.universal_id AS old_id, g.grp
FROM {{work "app_old"}} o
JOIN {{work "app_groups"}} g ON g.node_id = o.node_id
