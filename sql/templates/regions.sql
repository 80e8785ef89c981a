{{/* regions: every identifier of nodes with its id type and region, its component of all links in Labels or
     else itself; hubs are left out when Hubs is set. FromAssign: those are assign's components. */}}
{{- if .FromAssign}}
SELECT node_id, component AS region, id_type
FROM {{work "assign"}}
{{- else}}
SELECT n.node_id, COALESCE(l.component, n.node_id) AS region, n.id_type
FROM {{work "nodes"}} n
LEFT JOIN {{work .Labels}} l ON n.node_id = l.node_id
{{- if .Hubs}}
WHERE n.node_id NOT IN (SELECT node_id FROM {{work "hubs"}})
{{- end}}
{{- end}}
