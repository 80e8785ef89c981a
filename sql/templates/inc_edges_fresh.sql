{{/* inc_edges_fresh: the rows of edges_region that are not published value for value: the rows the
     publish inserts (see inc_edges_stale). */}}
SELECT n.*
FROM {{work "edges_region"}} n
LEFT JOIN (SELECT * FROM {{out "id_edges"}} WHERE universal_id IN (SELECT universal_id FROM {{work "redo_ids"}})) o
  ON n.universal_id = o.universal_id AND n.id_type_a = o.id_type_a AND n.id_value_a = o.id_value_a
  AND n.id_type_b = o.id_type_b AND n.id_value_b = o.id_value_b AND n.row_count = o.row_count AND n.sources = o.sources
  AND (n.first_seen_at = o.first_seen_at OR (n.first_seen_at IS NULL AND o.first_seen_at IS NULL))
  AND (n.last_seen_at = o.last_seen_at OR (n.last_seen_at IS NULL AND o.last_seen_at IS NULL)){{if .Scope}}
  AND (n.scope_a = o.scope_a OR (n.scope_a IS NULL AND o.scope_a IS NULL))
  AND (n.scope_b = o.scope_b OR (n.scope_b IS NULL AND o.scope_b IS NULL))
  AND (n.pool = o.pool OR (n.pool IS NULL AND o.pool IS NULL)){{end}}
WHERE o.universal_id IS NULL
