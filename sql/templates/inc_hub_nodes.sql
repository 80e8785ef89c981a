{{/* inc_hub_nodes: the hubs of this run (hubs_named) as the guards read them: node id and degree. */}}
SELECT node_id, degree FROM {{work "hubs_named"}}
