{{/* app_stats: the counts of stats after an append-only batch: the published rows, plus the identifiers new to
     id_graph (in graph, not in old_map), the new links (edges_diff rows without a published key) and the
     profiles written (profiles_region) less those they replace (redo_ids). */}}
SELECT
  (SELECT COUNT(*) FROM {{out "id_graph"}})
    + (SELECT COUNT(*) FROM {{work "graph"}} WHERE node_id NOT IN (SELECT node_id FROM {{work "old_map"}})) AS nodes,
  (SELECT COUNT(*) FROM {{out "id_edges"}})
    + (SELECT COUNT(*) FROM {{work "edges_diff"}} WHERE s_universal_id IS NULL) AS edges,
  (SELECT COUNT(*) FROM {{out "profiles"}} WHERE universal_id NOT IN (SELECT universal_id FROM {{work "redo_ids"}}))
    + (SELECT COUNT(*) FROM {{work "profiles_region"}}) AS components,
  GREATEST(
    COALESCE((SELECT MAX(identifiers) FROM {{out "profiles"}} WHERE universal_id NOT IN (SELECT universal_id FROM {{work "redo_ids"}})), 0),
    COALESCE((SELECT MAX(identifiers) FROM {{work "profiles_region"}}), 0)) AS largest
