{{/* memory_identifiers: every identifier of id_graph with its profile and when it was seen, grouped by
     profile and ordered by type, then value, byte by byte, for the in-memory copy. */}}
SELECT universal_id, id_type, id_value, first_seen_at, last_seen_at FROM {{out "id_graph"}} ORDER BY universal_id, {{bytewise "id_type"}}, {{bytewise "id_value"}}
