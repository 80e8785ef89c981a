{{/* inc_edges_fresh: the rows of edges_region that are not published value for value: the rows the
     publish inserts (see inc_edges_stale). */}}
SELECT n.*
FROM {{work "edges_region"}} n
LEFT JOIN (SELECT * FROM {{out "id_edges"}} WHERE universal_id IN (SELECT universal_id FROM {{work "redo_ids"}})) o
  ON n.universal_id = o.universal_id AND n.id_type_a = o.id_type_a AND n.id_value_a = o.id_value_a
  AND n.id_type_b = o.id_type_b AND n.id_value_b = o.id_value_b{{if .Scope}}
  AND COALESCE(n.scope_a, '') = COALESCE(o.scope_a, '') AND COALESCE(n.scope_b, '') = COALESCE(o.scope_b, ''){{end}}
WHERE o.universal_id IS NULL OR NOT COALESCE(n.row_count = o.row_count AND n.sources = o.sources
  AND (COALESCE(n.first_seen_at = o.first_seen_at, FALSE) OR (n.first_seen_at IS NULL AND o.first_seen_at IS NULL))
  AND (COALESCE(n.last_seen_at = o.last_seen_at, FALSE) OR (n.last_seen_at IS NULL AND o.last_seen_at IS NULL)){{if .Scope}}
  AND (COALESCE(n.pool = o.pool, FALSE) OR (n.pool IS NULL AND o.pool IS NULL)){{end}}, FALSE)
