SELECT universal_id
{{- range .Traits}},
  {{.Agg}} AS {{q .Name}}
{{- end}}
FROM {{work .Rows}}
WHERE universal_id IS NOT NULL
GROUP BY universal_id
