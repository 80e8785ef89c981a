{{/* id_quarantine: what was kept out of the graph: the union of the queries Parts, each giving id_type,
     id_value, reason and evidence, stamped with run RunID; with Scope, the values
     are bare and scope (local types) and pool say where they were.
     BigQuery has its own file because GoogleSQL refuses WHERE in a query without FROM; LIMIT 0 keeps no row. */}}
{{- if .Scope}}
SELECT id_type, {{bare "id_value"}} AS id_value, reason, evidence, {{cast (print .RunID) "int64"}} AS run_id,
  {{if .Scope.Local}}CASE WHEN id_type IN ({{range $i, $l := .Scope.Local}}{{if $i}}, {{end}}{{str $l}}{{end}}) THEN {{qualifier "id_value"}} END{{else}}{{cast "NULL" "text"}}{{end}} AS scope,
  {{if .Scope.Local}}CASE WHEN id_type IN ({{range $i, $l := .Scope.Local}}{{if $i}}, {{end}}{{str $l}}{{end}}) THEN CASE {{qualifier "id_value"}}{{range .Scope.Scopes}} WHEN {{str .Scope}} THEN {{str .Pool}}{{end}} END ELSE {{qualifier "id_value"}} END{{else}}{{qualifier "id_value"}}{{end}} AS pool
{{- else}}
SELECT id_type, id_value, reason, evidence, {{cast (print .RunID) "int64"}} AS run_id
{{- end}}
FROM (
{{- range $i, $p := .Parts}}
  {{if $i}}UNION ALL {{end}}{{$p}}
{{- else}}
  SELECT {{cast "NULL" "text"}} AS id_type, {{cast "NULL" "text"}} AS id_value, {{cast "NULL" "text"}} AS reason, {{cast "NULL" "int64"}} AS evidence
  LIMIT 0
{{- end}}
) q
