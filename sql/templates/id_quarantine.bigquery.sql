{{/* id_quarantine: what was kept out of the graph: the union of the queries Parts, each giving id_type,
     id_value, reason and evidence, stamped with run RunID.
     BigQuery has its own file because GoogleSQL refuses WHERE in a query without FROM; LIMIT 0 keeps no row. */}}
SELECT id_type, id_value, reason, evidence, {{cast (print .RunID) "int64"}} AS run_id
FROM (
{{- range $i, $p := .Parts}}
  {{if $i}}UNION ALL {{end}}{{$p}}
{{- else}}
  SELECT {{cast "NULL" "text"}} AS id_type, {{cast "NULL" "text"}} AS id_value, {{cast "NULL" "text"}} AS reason, {{cast "NULL" "int64"}} AS evidence
  LIMIT 0
{{- end}}
) q
