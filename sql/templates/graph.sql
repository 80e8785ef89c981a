{{/* graph: every identifier of assign with the universal id of its component's anchor (anchors). */}}
SELECT a.universal_id, n.id_type, n.id_value, n.first_seen_at, n.last_seen_at, n.row_count, n.node_id, n.component
FROM {{work "assign"}} n
JOIN {{work "anchors"}} a ON n.component = a.component
