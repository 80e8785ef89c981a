SELECT DISTINCT node_id FROM (
  SELECT node_id FROM {{work "touched"}}
{{- range .Slots}}
  UNION ALL SELECT n{{.N}} FROM {{work .Table}} WHERE n{{.N}} IS NOT NULL
{{- end}}
{{- range .Over}}
  UNION ALL SELECT node_id FROM {{$.Regions}} WHERE region IN ({{.}})
{{- end}}
) s
