{{/* inc_edges_stale: the keys (as s_ columns) of the published id_edges rows of the recomputed profiles
     (redo_ids) that the run does not write again value for value (edges_region): the rows its publish
     deletes. See inc_graph_write: a batch rewrites the links it changes, not every link of a profile. */}}
SELECT o.universal_id AS s_universal_id, o.id_type_a AS s_id_type_a, o.id_value_a AS s_id_value_a,
  o.id_type_b AS s_id_type_b, o.id_value_b AS s_id_value_b{{if .Scope}}, o.scope_a AS s_scope_a, o.scope_b AS s_scope_b{{end}}
FROM {{out "id_edges"}} o
LEFT JOIN {{work "edges_region"}} n
  ON n.universal_id = o.universal_id AND n.id_type_a = o.id_type_a AND n.id_value_a = o.id_value_a
  AND n.id_type_b = o.id_type_b AND n.id_value_b = o.id_value_b AND n.row_count = o.row_count AND n.sources = o.sources
  AND (n.first_seen_at = o.first_seen_at OR (n.first_seen_at IS NULL AND o.first_seen_at IS NULL))
  AND (n.last_seen_at = o.last_seen_at OR (n.last_seen_at IS NULL AND o.last_seen_at IS NULL)){{if .Scope}}
  AND (n.scope_a = o.scope_a OR (n.scope_a IS NULL AND o.scope_a IS NULL))
  AND (n.scope_b = o.scope_b OR (n.scope_b IS NULL AND o.scope_b IS NULL))
  AND (n.pool = o.pool OR (n.pool IS NULL AND o.pool IS NULL)){{end}}
WHERE o.universal_id IN (SELECT universal_id FROM {{work "redo_ids"}}) AND n.universal_id IS NULL
