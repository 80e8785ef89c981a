{{/* quarantine_values: the invalid and blocked values in the slots Slots of the sources' rows, with the
     reason and the number of rows holding each. */}}
SELECT id_type, id_value, reason, COUNT(*) AS evidence
FROM (
{{- range $i, $s := .Slots}}
  {{if $i}}UNION ALL {{end}}SELECT {{str .Type}} AS id_type, {{.Value}} AS id_value, q{{.N}} AS reason
  FROM {{work .Table}} WHERE q{{.N}} IS NOT NULL
{{- end}}
) q
GROUP BY id_type, id_value, reason
