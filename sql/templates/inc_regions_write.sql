{{/* inc_regions_write: the identifiers whose stored region an incremental run replaces: those of redo, less
     those whose region and id type it would store again unchanged (see inc_graph_write). */}}
SELECT r.node_id FROM {{work "redo"}} r
WHERE r.node_id NOT IN (
  SELECT n.node_id
  FROM {{work "regions_new"}} n
  JOIN {{.Regions}} o ON o.node_id = n.node_id
  WHERE o.region = n.region AND o.id_type = n.id_type
)
