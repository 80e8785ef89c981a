{{/* app_collisions: the identifiers of a batch (nodes) whose node id the published id_graph gives to another
     identifier: a 64-bit collision, which a full run finds among all its nodes. */}}
SELECT COUNT(*) FROM {{work "nodes"}} n
JOIN {{out "id_graph"}} g ON g.node_id = n.node_id
WHERE g.id_type <> n.id_type OR g.id_value <> n.id_value
