{{/* inc_edges_diff: the published id_edges rows of the recomputed profiles (redo_ids) set against the rows
     the run computed for them (edges_region). With Fresh, the rows of edges_region not published value for
     value: those the publish inserts. Else the keys (as s_ columns) of the published rows that edges_region
     does not repeat value for value: those it deletes. A batch then rewrites the links it changes, not every
     link of a profile (see inc_graph_write). The join is on the key alone (equalities, so a hash join); the
     values are compared after it. */}}
{{- $published := printf "(SELECT * FROM %s WHERE universal_id IN (SELECT universal_id FROM %s))" (out "id_edges") (work "redo_ids")}}
{{if .Fresh -}}
SELECT n.*
FROM {{work "edges_region"}} n
LEFT JOIN {{$published}} o
{{- else -}}
SELECT o.universal_id AS s_universal_id, o.id_type_a AS s_id_type_a, o.id_value_a AS s_id_value_a,
  o.id_type_b AS s_id_type_b, o.id_value_b AS s_id_value_b{{if .Scope}}, o.scope_a AS s_scope_a, o.scope_b AS s_scope_b{{end}}
FROM {{$published}} o
LEFT JOIN {{work "edges_region"}} n
{{- end}}
  ON n.universal_id = o.universal_id AND n.id_type_a = o.id_type_a AND n.id_value_a = o.id_value_a
  AND n.id_type_b = o.id_type_b AND n.id_value_b = o.id_value_b{{if .Scope}}
  AND COALESCE(n.scope_a, '') = COALESCE(o.scope_a, '') AND COALESCE(n.scope_b, '') = COALESCE(o.scope_b, ''){{end}}
WHERE {{if .Fresh}}o{{else}}n{{end}}.universal_id IS NULL OR NOT COALESCE(n.row_count = o.row_count AND n.sources = o.sources
  AND (COALESCE(n.first_seen_at = o.first_seen_at, FALSE) OR (n.first_seen_at IS NULL AND o.first_seen_at IS NULL))
  AND (COALESCE(n.last_seen_at = o.last_seen_at, FALSE) OR (n.last_seen_at IS NULL AND o.last_seen_at IS NULL)){{if .Scope}}
  AND (COALESCE(n.pool = o.pool, FALSE) OR (n.pool IS NULL AND o.pool IS NULL)){{end}}, FALSE)
