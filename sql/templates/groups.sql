{{/* groups: the partition that limits and policies refine: every identifier of nodes with its component in
     Labels or itself, less hubs with Hubs, and with Types only those (with Not: no) types. */}}
SELECT n.node_id, COALESCE(l.component, n.node_id) AS grp
FROM {{work "nodes"}} n
LEFT JOIN {{work .Labels}} l ON n.node_id = l.node_id
WHERE 1 = 1
{{- if .Hubs}}
  AND n.node_id NOT IN (SELECT node_id FROM {{work "hubs"}})
{{- end}}
{{- if .Types}}
  AND n.id_type {{if .Not}}NOT {{end}}IN ({{range $i, $t := .Types}}{{if $i}}, {{end}}{{str $t}}{{end}})
{{- end}}
