{{/* lookup_links_scoped: lookup_links for a project with scopes: the published links of the profile whose
     universal id is bind parameter 1, from id_edges, with the scope of each identifier of a local type. */}}
SELECT id_type_a, id_value_a, id_type_b, id_value_b, row_count, sources, first_seen_at, last_seen_at, scope_a, scope_b FROM {{out "id_edges"}} WHERE universal_id = {{ph 1}}
