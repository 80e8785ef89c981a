SELECT ts
{{- range .Slots}},
  CASE WHEN n{{.N}} IN (SELECT node_id FROM {{work "hubs"}}) THEN NULL ELSE n{{.N}} END AS n{{.N}}
{{- end}}
FROM {{work .Table}}
