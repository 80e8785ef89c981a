{{/* inc_graph_write: the identifiers whose published id_graph row an incremental run replaces: those of
     redo, less those whose new row (graph) is the published one value for value. A batch that adds a few
     links to a large profile then rewrites the rows it changes, not every row of the regions it recomputes,
     and the commit and the checkpoint after it touch as little of the table. */}}
SELECT r.node_id FROM {{work "redo"}} r
WHERE r.node_id NOT IN (
  SELECT g.node_id
  FROM {{work "graph"}} g
  JOIN {{out "id_graph"}} o ON o.node_id = g.node_id
  WHERE o.universal_id = g.universal_id AND o.id_type = g.id_type AND o.id_value = g.id_value AND o.row_count = g.row_count
    AND (o.first_seen_at = g.first_seen_at OR (o.first_seen_at IS NULL AND g.first_seen_at IS NULL))
    AND (o.last_seen_at = g.last_seen_at OR (o.last_seen_at IS NULL AND g.last_seen_at IS NULL)){{if .Scope}}
    AND (o.scope = g.scope OR (o.scope IS NULL AND g.scope IS NULL))
    AND (o.pool = g.pool OR (o.pool IS NULL AND g.pool IS NULL)){{end}}
)
