{{/* lim_seed: the anchors of a limit split: the identifiers of type Type (from nodes) in the groups of Groups
     that break the limit (Violating), each its own anchor. */}}
SELECT g.node_id AS node, g.node_id AS anchor, 0 AS anchors
FROM {{work .Groups}} g
JOIN {{work "nodes"}} n ON g.node_id = n.node_id
WHERE n.id_type = {{str .Type}} AND g.grp IN (SELECT grp FROM {{work .Violating}})
