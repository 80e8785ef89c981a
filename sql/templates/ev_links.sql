{{/* ev_links: the links between two anonymous identifiers (id type in Types) of edges, both ways. */}}
SELECT e.a AS x, e.b AS y FROM {{work "edges"}} e
JOIN {{work "nodes"}} na ON e.a = na.node_id
JOIN {{work "nodes"}} nb ON e.b = nb.node_id
WHERE na.id_type IN ({{range $i, $t := .Types}}{{if $i}}, {{end}}{{str $t}}{{end}})
  AND nb.id_type IN ({{range $i, $t := .Types}}{{if $i}}, {{end}}{{str $t}}{{end}})
UNION ALL
SELECT e.b AS x, e.a AS y FROM {{work "edges"}} e
JOIN {{work "nodes"}} na ON e.a = na.node_id
JOIN {{work "nodes"}} nb ON e.b = nb.node_id
WHERE na.id_type IN ({{range $i, $t := .Types}}{{if $i}}, {{end}}{{str $t}}{{end}})
  AND nb.id_type IN ({{range $i, $t := .Types}}{{if $i}}, {{end}}{{str $t}}{{end}})
