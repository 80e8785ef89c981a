{{/* explain_neighbours: the quarantined identifiers that share a row of one source with an identifier of the
     profile whose universal id is bind parameter 1. Stored is the source's rows as the last run stored
     them; each of Pairs names a slot I whose node id may be the profile's (in id_graph) and a slot J, of
     type Type, whose value may be quarantined (in id_quarantine). With Scoped, the quarantined value is
     matched in the pool of the row (Local: in its scope too). Per (quarantined identifier, profile
     identifier): the rows they share; at most Rows of them, the most rows first. */}}
SELECT q.id_type, q.id_value, q.reason, q.evidence, g.id_type AS via_type, g.id_value AS via_value,
  {{if .Scoped}}g.scope{{else}}{{cast "NULL" "text"}}{{end}} AS via_scope, {{cast "COUNT(*)" "int64"}} AS row_count
FROM (
{{- range $i, $p := .Pairs}}
  {{if $i}}UNION ALL {{end}}SELECT n{{$p.I}} AS node, {{str $p.Type}} AS q_type, v{{$p.J}} AS q_value{{if $.Scoped}}, {{if $p.Local}}sc{{else}}{{cast "NULL" "text"}}{{end}} AS q_scope, pl AS q_pool{{end}}
  FROM {{$.Stored}} WHERE n{{$p.I}} IS NOT NULL AND v{{$p.J}} IS NOT NULL
{{- end}}
) r
JOIN {{out "id_graph"}} g ON g.node_id = r.node
JOIN {{out "id_quarantine"}} q ON q.id_type = r.q_type AND q.id_value = r.q_value{{if .Scoped}} AND q.pool = r.q_pool AND (r.q_scope IS NULL OR q.scope = r.q_scope){{end}}
WHERE g.universal_id = {{ph 1}}
GROUP BY q.id_type, q.id_value, q.reason, q.evidence, g.id_type, g.id_value{{if .Scoped}}, g.scope{{end}}
ORDER BY row_count DESC, {{bytewise "q.id_type"}}, {{bytewise "q.id_value"}}, {{bytewise "g.id_type"}}, {{bytewise "g.id_value"}} LIMIT {{.Rows}}
