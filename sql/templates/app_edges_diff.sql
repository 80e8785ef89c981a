{{/* app_edges_diff: edges_diff (see inc_edges_diff) of an append-only batch. The published links it rewrites are
     those of the profiles whose id changed (app_moves), relabelled, and those of the batch's links (edges)
     between two identifiers of one unchanged profile; each with the batch's rows of the same link added
     (row_count, first and last seen, and the union of the sources, listed in the bytewise order of Sources). The
     batch's other links are new. Every link of edges joins the group of its identifiers, whose universal id is
     in anchors. */}}
WITH moved AS (
  SELECT old_id, new_id FROM {{work "app_moves"}} WHERE old_id <> new_id
), b AS (
  SELECT a.universal_id, na.id_type AS id_type_a, na.id_value AS id_value_a, nb.id_type AS id_type_b, nb.id_value AS id_value_b,
    e.row_count, e.first_seen_at, e.last_seen_at, e.sources, oa.universal_id AS old_a, ob.universal_id AS old_b
  FROM {{work "edges"}} e
  JOIN {{work "nodes"}} na ON na.node_id = e.a
  JOIN {{work "nodes"}} nb ON nb.node_id = e.b
  JOIN {{work "app_groups"}} g ON g.node_id = e.a
  JOIN {{work "anchors"}} a ON a.component = g.grp
  LEFT JOIN {{work "app_old"}} oa ON oa.node_id = e.a
  LEFT JOIN {{work "app_old"}} ob ON ob.node_id = e.b
), kept AS (
  SELECT old_a, id_type_a, id_value_a, id_type_b, id_value_b FROM b
  WHERE old_a = old_b AND old_a NOT IN (SELECT old_id FROM moved)
), o AS (
  -- one pass over the published links
  SELECT p.universal_id, p.id_type_a, p.id_value_a, p.id_type_b, p.id_value_b, p.row_count, p.first_seen_at, p.last_seen_at, p.sources,
    COALESCE(m.new_id, p.universal_id) AS new_id
  FROM {{out "id_edges"}} p
  LEFT JOIN moved m ON p.universal_id = m.old_id
  LEFT JOIN kept k ON p.universal_id = k.old_a AND p.id_type_a = k.id_type_a AND p.id_value_a = k.id_value_a
    AND p.id_type_b = k.id_type_b AND p.id_value_b = k.id_value_b
  WHERE m.old_id IS NOT NULL OR k.old_a IS NOT NULL
)
SELECT o.universal_id AS s_universal_id, o.id_type_a AS s_id_type_a, o.id_value_a AS s_id_value_a,
  o.id_type_b AS s_id_type_b, o.id_value_b AS s_id_value_b,
  COALESCE(b.universal_id, o.new_id) AS universal_id,
  COALESCE(b.id_type_a, o.id_type_a) AS id_type_a, COALESCE(b.id_value_a, o.id_value_a) AS id_value_a,
  COALESCE(b.id_type_b, o.id_type_b) AS id_type_b, COALESCE(b.id_value_b, o.id_value_b) AS id_value_b,
  {{cast "COALESCE(o.row_count, 0) + COALESCE(b.row_count, 0)" "int64"}} AS row_count,
  CASE WHEN o.first_seen_at IS NULL OR o.first_seen_at > b.first_seen_at THEN b.first_seen_at ELSE o.first_seen_at END AS first_seen_at,
  CASE WHEN o.last_seen_at IS NULL OR o.last_seen_at < b.last_seen_at THEN b.last_seen_at ELSE o.last_seen_at END AS last_seen_at,
  {{- $sources := "''"}}{{range .Sources}}{{$sources = concat $sources (print "CASE WHEN " (matches "o.sources" (print "(^|,)" . "(,|$)")) " OR " (matches "b.sources" (print "(^|,)" . "(,|$)")) " THEN " (str (print "," .)) " ELSE '' END")}}{{end}}
  SUBSTR({{$sources}}, 2) AS sources
FROM o
FULL OUTER JOIN b ON o.id_type_a = b.id_type_a AND o.id_value_a = b.id_value_a AND o.id_type_b = b.id_type_b AND o.id_value_b = b.id_value_b
