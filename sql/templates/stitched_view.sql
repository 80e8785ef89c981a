{{/* stitched_view: every row of a source (Table) with the universal id of its first identifier found in the
     published id_graph, each of Slots normalized as a run does (Value). */}}
SELECT s.*, COALESCE({{range .Slots}}g{{.N}}.universal_id, {{end}}{{cast "NULL" "text"}}) AS universal_id
FROM {{.Table}} s
{{- range .Slots}}
LEFT JOIN {{out "id_graph"}} g{{.N}} ON g{{.N}}.id_type = {{str .Type}} AND g{{.N}}.id_value = {{.Value}}
{{- end}}
