{{/* lookup_links: the published links of the profile whose universal id is bind parameter 1, from
     id_edges, for explaining how two of its identifiers are linked. */}}
SELECT id_type_a, id_value_a, id_type_b, id_value_b, row_count, sources, first_seen_at, last_seen_at FROM {{out "id_edges"}} WHERE universal_id = {{ph 1}}
