SELECT node_id FROM {{work "touched"}}
{{- range .Slots}}
UNION
SELECT n{{.N}} FROM {{work .Table}} WHERE n{{.N}} IS NOT NULL
{{- end}}
