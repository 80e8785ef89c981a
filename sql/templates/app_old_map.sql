{{/* app_old_map: old_map (see inc_old_map) of an append-only batch, from the published universal ids that graph
     carries: id_graph is not read again. */}}
SELECT node_id, old_universal_id AS universal_id FROM {{work "graph"}} WHERE old_universal_id IS NOT NULL
