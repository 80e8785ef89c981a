SELECT
  ts
{{- range .Slots}},
  v{{.N}},
  CASE WHEN v{{.N}} IS NULL THEN NULL ELSE {{hash64 (str .Type) (print "v" .N)}} END AS n{{.N}}
{{- end}}
FROM (
  SELECT
    {{if .TS}}{{cast .TS "timestamp"}}{{else}}{{cast "NULL" "timestamp"}}{{end}} AS ts
{{- range .Slots}},
    NULLIF({{cast .Expr "text"}}, '') AS v{{.N}}
{{- end}}
  FROM {{.Table}}
{{- if .Filter}}
  WHERE ({{.Filter}})
{{- end}}
) s
