{{/* nodes: every distinct identifier in the slots Slots of the sources' rows, with its 64-bit node id,
     type_rank, first and last seen and row count. */}}
SELECT node_id, id_type, id_value, type_rank,
  MIN(ts) AS first_seen_at, MAX(ts) AS last_seen_at, COUNT(*) AS row_count
FROM (
{{- range $i, $s := .Slots}}
  {{if $i}}UNION ALL {{end}}SELECT n{{.N}} AS node_id, {{str .Type}} AS id_type, {{.Value}} AS id_value, {{.Rank}} AS type_rank, ts
  FROM {{work .Table}} WHERE n{{.N}} IS NOT NULL
{{- end}}
) i
GROUP BY node_id, id_type, id_value, type_rank
