{{/* graph_start: the edges to find components in: all of edges or, with Types, those whose two ends (from
     nodes) are of those id types, or with Not are of none of them. */}}
SELECT e.a, e.b FROM {{work "edges"}} e
{{- if .Types}}
JOIN {{work "nodes"}} na ON e.a = na.node_id
JOIN {{work "nodes"}} nb ON e.b = nb.node_id
WHERE na.id_type {{if .Not}}NOT {{end}}IN ({{range $i, $t := .Types}}{{if $i}}, {{end}}{{str $t}}{{end}})
  AND nb.id_type {{if .Not}}NOT {{end}}IN ({{range $i, $t := .Types}}{{if $i}}, {{end}}{{str $t}}{{end}})
{{- end}}
