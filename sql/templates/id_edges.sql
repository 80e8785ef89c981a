SELECT ga.universal_id,
  na.id_type AS id_type_a, na.id_value AS id_value_a,
  nb.id_type AS id_type_b, nb.id_value AS id_value_b,
  e.row_count, e.first_seen_at, e.last_seen_at, e.sources
FROM {{work "edges"}} e
JOIN {{work "assign"}} na ON e.a = na.node_id
JOIN {{work "assign"}} nb ON e.b = nb.node_id
JOIN {{work "anchors"}} ga ON na.component = ga.component
WHERE na.component = nb.component
