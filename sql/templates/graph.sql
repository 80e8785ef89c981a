{{/* graph: every identifier of assign with the universal id of its component's anchor (anchors); with Scope,
     its bare value, its scope (local types) and its profile's pool. Its columns are id_graph's: a full run
     builds it as the next id_graph, so that the largest output is not written twice. */}}
SELECT a.universal_id, n.id_type, {{if .Scope}}{{bare "n.id_value"}} AS id_value{{else}}n.id_value{{end}}, n.first_seen_at, n.last_seen_at, n.row_count, n.node_id
{{- if .Scope}},
  {{if .Scope.Local}}CASE WHEN n.id_type IN ({{range $i, $l := .Scope.Local}}{{if $i}}, {{end}}{{str $l}}{{end}}) THEN {{qualifier "n.id_value"}} END{{else}}{{cast "NULL" "text"}}{{end}} AS scope,
  a.pool
{{- end}}
FROM {{work "assign"}} n
JOIN {{work "anchors"}} a ON n.component = a.component
