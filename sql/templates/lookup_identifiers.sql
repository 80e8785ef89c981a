{{/* lookup_identifiers: the identifiers of the profile whose universal id is bind parameter 1, with
     when they were first and last seen, from id_graph. */}}
SELECT id_type, id_value, first_seen_at, last_seen_at FROM {{out "id_graph"}} WHERE universal_id = {{ph 1}}
