{{/* app_node_ids: the node ids, types and values of the work table From: an append-only batch rewrites every row
     it computes. */}}
SELECT node_id, id_type{{if .Values}}, id_value{{end}} FROM {{work .From}}
