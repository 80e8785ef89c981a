SELECT e.a, e.b FROM {{work "edges"}} e
{{- if .Types}}
JOIN {{work "nodes"}} na ON e.a = na.node_id
JOIN {{work "nodes"}} nb ON e.b = nb.node_id
WHERE na.id_type {{if .Not}}NOT {{end}}IN ({{range $i, $t := .Types}}{{if $i}}, {{end}}{{str $t}}{{end}})
  AND nb.id_type {{if .Not}}NOT {{end}}IN ({{range $i, $t := .Types}}{{if $i}}, {{end}}{{str $t}}{{end}})
{{- end}}
