SELECT s.*, COALESCE({{range .Slots}}g{{.N}}.universal_id, {{end}}{{cast "NULL" "text"}}) AS universal_id
FROM {{.Table}} s
{{- range .Slots}}
LEFT JOIN {{out "id_graph"}} g{{.N}} ON g{{.N}}.id_type = {{str .Type}} AND g{{.N}}.id_value = {{.Value}}
{{- end}}
