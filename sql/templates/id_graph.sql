{{/* id_graph: the published mapping: every identifier of graph with its universal id, first and last seen,
     row count and node id; with Scope, scope and pool too. */}}
SELECT universal_id, id_type, id_value, first_seen_at, last_seen_at, row_count, node_id{{if .Scope}}, scope, pool{{end}}
FROM {{work "graph"}}
