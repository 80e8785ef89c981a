{{/* nodes_named: the identifiers of an incremental run's rows (Slots), counted as nodes counts them but from
     node ids alone, with their values from names. */}}
SELECT i.node_id, i.id_type, nm.id_value, i.type_rank, i.first_seen_at, i.last_seen_at, i.row_count
FROM (
  SELECT node_id, id_type, type_rank, MIN(ts) AS first_seen_at, MAX(ts) AS last_seen_at, COUNT(*) AS row_count
  FROM (
{{- range $i, $s := .Slots}}
    {{if $i}}UNION ALL {{end}}SELECT n{{.N}} AS node_id, {{str .Type}} AS id_type, {{.Rank}} AS type_rank, ts
    FROM {{work .Table}} WHERE n{{.N}} IS NOT NULL
{{- end}}
  ) i
  GROUP BY node_id, id_type, type_rank
) i
LEFT JOIN {{work "names"}} nm ON i.node_id = nm.node_id
