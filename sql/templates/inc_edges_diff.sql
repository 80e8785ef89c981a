{{/* inc_edges_diff: the published id_edges rows of the recomputed profiles (redo_ids) set against the rows
     the run computed for them (edges_region), in one pass over each: a row for every link that is not
     published value for value. Its s_ columns are the key of the published row the publish deletes (NULL
     when the link is new), and the rest is the row it inserts (NULL when the link goes); a changed link has
     both. A batch then rewrites the links it changes, not every link of a profile (see inc_graph_write).
     The join is on the key alone (equalities, so a hash join, which a FULL JOIN needs on Postgres); the
     values are compared after it. */}}
SELECT o.universal_id AS s_universal_id, o.id_type_a AS s_id_type_a, o.id_value_a AS s_id_value_a,
  o.id_type_b AS s_id_type_b, o.id_value_b AS s_id_value_b{{if .Scope}}, o.scope_a AS s_scope_a, o.scope_b AS s_scope_b{{end}},
  n.*
FROM (SELECT * FROM {{out "id_edges"}} WHERE universal_id IN (SELECT universal_id FROM {{work "redo_ids"}})) o
FULL OUTER JOIN {{work "edges_region"}} n
  ON n.universal_id = o.universal_id AND n.id_type_a = o.id_type_a AND n.id_value_a = o.id_value_a
  AND n.id_type_b = o.id_type_b AND n.id_value_b = o.id_value_b{{if .Scope}}
  AND COALESCE(n.scope_a, '') = COALESCE(o.scope_a, '') AND COALESCE(n.scope_b, '') = COALESCE(o.scope_b, ''){{end}}
WHERE o.universal_id IS NULL OR n.universal_id IS NULL OR NOT COALESCE(n.row_count = o.row_count AND n.sources = o.sources
  AND (COALESCE(n.first_seen_at = o.first_seen_at, FALSE) OR (n.first_seen_at IS NULL AND o.first_seen_at IS NULL))
  AND (COALESCE(n.last_seen_at = o.last_seen_at, FALSE) OR (n.last_seen_at IS NULL AND o.last_seen_at IS NULL)){{if .Scope}}
  AND (COALESCE(n.pool = o.pool, FALSE) OR (n.pool IS NULL AND o.pool IS NULL)){{end}}, FALSE)
