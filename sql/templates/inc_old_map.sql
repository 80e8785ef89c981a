{{/* inc_old_map: the published universal ids of the identifiers an incremental run replaces (redo), with Scope their pool. */}}
SELECT node_id, universal_id{{if .Scope}}, pool{{end}} FROM {{out "id_graph"}} WHERE node_id IN (SELECT node_id FROM {{work "redo"}})
