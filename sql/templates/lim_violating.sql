{{/* lim_violating: the groups of Groups that hold more than Limit identifiers of type Type (from nodes). */}}
SELECT g.grp
FROM {{work .Groups}} g
JOIN {{work "nodes"}} n ON g.node_id = n.node_id
WHERE n.id_type = {{str .Type}}
GROUP BY g.grp
HAVING COUNT(*) > {{.Limit}}
