SELECT g.node_id AS node, g.node_id AS anchor, 0 AS anchors
FROM {{work .Groups}} g
JOIN {{work "nodes"}} n ON g.node_id = n.node_id
WHERE n.id_type = {{str .Type}} AND g.grp IN (SELECT grp FROM {{work .Violating}})
