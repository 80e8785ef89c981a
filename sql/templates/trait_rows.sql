{{/* trait_rows: the rows of a source's work table Src with the inputs of Traits and the universal id of their
     first identifier in graph, trying the slots Slots in order. */}}
SELECT COALESCE({{range .Slots}}g{{.N}}.universal_id, {{end}}{{cast "NULL" "text"}}) AS universal_id, s.ts
{{- range .Traits}}, s.t{{.N}}, s.f{{.N}}{{end}}
FROM {{work .Src}} s
{{- range .Slots}}
LEFT JOIN {{work "graph"}} g{{.N}} ON s.n{{.N}} = g{{.N}}.node_id
{{- end}}
