{{/* app_graph: the id_graph rows an append-only batch writes, in id_graph's columns: every identifier of the
     batch, its counts and times added to the published ones, with its group's universal id; and every other
     identifier of a profile whose id changed (app_moves), with the new id. Each row also has its published
     universal id (old_universal_id, NULL for an identifier new to the graph), which old_map takes. */}}
SELECT a.universal_id, n.id_type, n.id_value,
  CASE WHEN o.first_seen_at IS NULL OR o.first_seen_at > n.first_seen_at THEN n.first_seen_at ELSE o.first_seen_at END AS first_seen_at,
  CASE WHEN o.last_seen_at IS NULL OR o.last_seen_at < n.last_seen_at THEN n.last_seen_at ELSE o.last_seen_at END AS last_seen_at,
  {{cast "COALESCE(o.row_count, 0) + n.row_count" "int64"}} AS row_count, n.node_id, o.universal_id AS old_universal_id
FROM {{work "nodes"}} n
JOIN {{work "app_groups"}} g ON g.node_id = n.node_id
JOIN {{work "anchors"}} a ON a.component = g.grp
LEFT JOIN {{work "app_old"}} o ON o.node_id = n.node_id
UNION ALL
SELECT m.new_id AS universal_id, x.id_type, x.id_value, x.first_seen_at, x.last_seen_at, x.row_count, x.node_id, m.old_id AS old_universal_id
FROM {{out "id_graph"}} x
JOIN {{work "app_moves"}} m ON x.universal_id = m.old_id
WHERE m.old_id <> m.new_id AND x.node_id NOT IN (SELECT node_id FROM {{work "nodes"}})
