{{/* inc_old_map: the published universal ids of the identifiers an incremental run replaces (redo). */}}
SELECT node_id, universal_id FROM {{out "id_graph"}} WHERE node_id IN (SELECT node_id FROM {{work "redo"}})
