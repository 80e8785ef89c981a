{{/* kept: the rows of a source's work table Table with ts and the node ids of Slots, each hub (hubs) set to
     NULL so that it links nothing. */}}
SELECT ts
{{- range .Slots}},
  CASE WHEN n{{.N}} IN (SELECT node_id FROM {{work "hubs"}}) THEN NULL ELSE n{{.N}} END AS n{{.N}}
{{- end}}
FROM {{work .Table}}
