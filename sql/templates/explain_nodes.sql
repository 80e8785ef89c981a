{{/* explain_nodes: the identifiers of the profile whose universal id is bind parameter 1, from id_graph, for
     the page that draws it: type, value, first and last seen, row count and (when Scoped) the scope of a
     local one; at most Rows of them, those seen on the most rows first. */}}
SELECT id_type, id_value, first_seen_at, last_seen_at, row_count, {{if .Scoped}}scope{{else}}{{cast "NULL" "text"}}{{end}} AS scope
FROM {{out "id_graph"}} WHERE universal_id = {{ph 1}}
ORDER BY row_count DESC, {{bytewise "id_type"}}, {{bytewise "id_value"}}{{if .Scoped}}, {{bytewise "scope"}}{{end}} LIMIT {{.Rows}}
