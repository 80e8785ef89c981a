{{/* stats_incremental: the same counts after an incremental run: the published rows it keeps (not in redo or
     redo_ids) plus the new ones (graph, edges_region, profiles_region). */}}
SELECT
  (SELECT COUNT(*) FROM {{out "id_graph"}} WHERE node_id NOT IN (SELECT node_id FROM {{work "redo"}}))
    + (SELECT COUNT(*) FROM {{work "graph"}}) AS nodes,
  (SELECT COUNT(*) FROM {{out "id_edges"}} WHERE universal_id NOT IN (SELECT universal_id FROM {{work "redo_ids"}}))
    + (SELECT COUNT(*) FROM {{work "edges_region"}}) AS edges,
  (SELECT COUNT(*) FROM {{out "profiles"}} WHERE universal_id NOT IN (SELECT universal_id FROM {{work "redo_ids"}}))
    + (SELECT COUNT(*) FROM {{work "profiles_region"}}) AS components,
  GREATEST(
    COALESCE((SELECT MAX(identifiers) FROM {{out "profiles"}} WHERE universal_id NOT IN (SELECT universal_id FROM {{work "redo_ids"}})), 0),
    COALESCE((SELECT MAX(identifiers) FROM {{work "profiles_region"}}), 0)) AS largest
