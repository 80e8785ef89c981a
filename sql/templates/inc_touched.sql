{{/* inc_touched: the distinct identifiers, with id type and value, in the slots Slots of their work tables
     (for touched, the rows new, changed or gone). */}}
SELECT DISTINCT node_id, id_type, id_value
FROM (
{{- range $i, $s := .Slots}}
  {{if $i}}UNION ALL {{end}}SELECT n{{.N}} AS node_id, {{str .Type}} AS id_type, {{.Value}} AS id_value
  FROM {{work .Table}} WHERE n{{.N}} IS NOT NULL
{{- end}}
) t
