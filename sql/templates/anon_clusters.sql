{{/* anon_clusters: every anonymous identifier of nodes (id type in Types) with its cluster, its component in
     Labels or else itself; hubs are left out when Hubs is set. */}}
SELECT n.node_id, COALESCE(l.component, n.node_id) AS cluster
FROM {{work "nodes"}} n
LEFT JOIN {{work .Labels}} l ON n.node_id = l.node_id
WHERE n.id_type IN ({{range $i, $t := .Types}}{{if $i}}, {{end}}{{str $t}}{{end}})
{{- if .Hubs}}
  AND n.node_id NOT IN (SELECT node_id FROM {{work "hubs"}})
{{- end}}
