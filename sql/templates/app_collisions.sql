{{/* app_collisions: the identifiers of a batch (nodes) whose node id the published id_graph gives to another
     identifier (app_old): a 64-bit collision, which a full run finds among all its nodes. */}}
SELECT COUNT(*) FROM {{work "nodes"}} n
JOIN {{work "app_old"}} o ON o.node_id = n.node_id
WHERE o.id_type <> n.id_type OR o.id_value <> n.id_value
