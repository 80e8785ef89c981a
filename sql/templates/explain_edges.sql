{{/* explain_edges: the links of the profile whose universal id is bind parameter 1, from id_edges, with their
     evidence: row count, sources (a sorted, comma-separated list), first and last seen and (when Scoped)
     the scope of each end of a local type; at most Rows of them, those of the most rows first. */}}
SELECT id_type_a, id_value_a, id_type_b, id_value_b, row_count, sources, first_seen_at, last_seen_at,
  {{if .Scoped}}scope_a{{else}}{{cast "NULL" "text"}}{{end}} AS scope_a, {{if .Scoped}}scope_b{{else}}{{cast "NULL" "text"}}{{end}} AS scope_b
FROM {{out "id_edges"}} WHERE universal_id = {{ph 1}}
ORDER BY row_count DESC, {{bytewise "id_type_a"}}, {{bytewise "id_value_a"}}, {{bytewise "id_type_b"}}, {{bytewise "id_value_b"}} LIMIT {{.Rows}}
