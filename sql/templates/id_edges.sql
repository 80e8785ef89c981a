{{/* id_edges: the evidence of each link of edges inside one profile: both identifiers and their universal id
     (from graph), row_count, first and last seen, and sources; with Scope, the scope of each (local types) and the pool. */}}
SELECT ga.universal_id,
  ga.id_type AS id_type_a, ga.id_value AS id_value_a,
  gb.id_type AS id_type_b, gb.id_value AS id_value_b,
  e.row_count, e.first_seen_at, e.last_seen_at, e.sources
{{- if .Scope}},
  ga.scope AS scope_a, gb.scope AS scope_b, ga.pool
{{- end}}
FROM {{work "edges"}} e
JOIN {{work "graph"}} ga ON e.a = ga.node_id
JOIN {{work "graph"}} gb ON e.b = gb.node_id
-- one universal id per profile: its anchor's, which no other profile has
WHERE ga.universal_id = gb.universal_id
