{{/* inc_seeds: the identifiers whose regions an incremental run recomputes: touched, those in Slots (rows of
     flipped hubs) and those of the Regions holding more of a Type than a changed limit (Over). */}}
SELECT DISTINCT node_id FROM (
  SELECT node_id FROM {{work "touched"}}
{{- range .Slots}}
  UNION ALL SELECT n{{.N}} FROM {{work .Table}} WHERE n{{.N}} IS NOT NULL
{{- end}}
{{- if .Overrides}}
  UNION ALL SELECT node_id FROM {{work "ovr_changed"}}
{{- end}}
{{- range .Over}}
  UNION ALL SELECT node_id FROM {{$.Regions}} WHERE region IN (SELECT region FROM {{$.Regions}} WHERE id_type = {{str .Type}} GROUP BY region HAVING COUNT(*) > {{.Limit}})
{{- end}}
) s
