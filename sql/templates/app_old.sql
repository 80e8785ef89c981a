{{/* app_old: the identifiers of a batch (nodes) that are published, with their universal id, first and last
     seen and row count before the batch, and the type and value id_graph gives their node id (app_collisions
     compares them). */}}
SELECT n.node_id, g.universal_id, g.first_seen_at, g.last_seen_at, g.row_count, g.id_type, g.id_value
FROM {{work "nodes"}} n
JOIN {{out "id_graph"}} g ON g.node_id = n.node_id
