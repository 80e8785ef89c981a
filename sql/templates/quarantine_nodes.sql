{{/* quarantine_nodes: the identifiers of the work table Table as quarantine rows: type and value from nodes,
     Reason, and its column Evidence as the evidence. */}}
SELECT n.id_type, n.id_value, {{str .Reason}} AS reason, {{cast (print "q." .Evidence) "int64"}} AS evidence
FROM {{work .Table}} q JOIN {{work "nodes"}} n ON q.node_id = n.node_id
