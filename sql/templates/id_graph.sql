SELECT universal_id, id_type, id_value, first_seen_at, last_seen_at, row_count, node_id
FROM {{work "graph"}}
