{{/* lookup_identifiers: one page of the identifiers of the profile whose universal id is bind parameter 1,
     with when they were first and last seen and (when Scoped) the scope of a local one, from id_graph, in (type, value) order byte by byte; with
     After, only those after the identifier whose type is bind parameter 2 and value bind parameter 3.
     Rows is one more than the page holds, which tells whether another page follows. */}}
SELECT id_type, id_value, first_seen_at, last_seen_at, {{if .Scoped}}scope{{else}}{{cast "NULL" "text"}}{{end}} AS scope FROM {{out "id_graph"}} WHERE universal_id = {{ph 1}}{{if .After}} AND ({{bytewise "id_type"}} > {{ph 2}} OR id_type = {{ph 2}} AND {{bytewise "id_value"}} > {{ph 3}}){{end}} ORDER BY {{bytewise "id_type"}}, {{bytewise "id_value"}} LIMIT {{.Rows}}
