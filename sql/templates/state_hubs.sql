{{/* state_hubs: the hubs of a full run with their values, kept for incremental runs (from hubs and nodes). */}}
SELECT h.node_id, h.degree, n.id_type, n.id_value FROM {{work "hubs"}} h JOIN {{work "nodes"}} n ON h.node_id = n.node_id
