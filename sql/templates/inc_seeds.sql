SELECT node_id FROM {{work "touched"}}
{{- range .Slots}}
UNION
SELECT n{{.N}} FROM {{work .Table}} WHERE n{{.N}} IS NOT NULL
{{- end}}
{{- range .Over}}
UNION
SELECT node_id FROM {{$.Regions}} WHERE region IN ({{.}})
{{- end}}
