{{/* inc_edges_insert: inserts into id_edges the new and changed links of edges_diff, the rows whose own
     columns are set (see inc_edges_diff), in id_edges' column order. */}}
INSERT INTO {{out "id_edges"}}
SELECT universal_id, id_type_a, id_value_a, id_type_b, id_value_b, row_count, first_seen_at, last_seen_at, sources
{{- if .Scope}}, scope_a, scope_b, pool{{end}}
FROM {{work "edges_diff"}}
WHERE universal_id IS NOT NULL
