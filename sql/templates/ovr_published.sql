{{/* ovr_published: the published universal id of each identifier an override names that lies outside the
     regions an incremental run recomputes (redo): those keep their profile. */}}
SELECT node_id, universal_id
FROM {{out "id_graph"}}
WHERE node_id IN (SELECT na FROM {{work "ovr"}} WHERE na IS NOT NULL UNION ALL SELECT nb FROM {{work "ovr"}} WHERE nb IS NOT NULL)
  AND node_id NOT IN (SELECT node_id FROM {{work "redo"}})
