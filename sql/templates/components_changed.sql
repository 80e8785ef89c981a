{{/* components_changed: the number of profiles a run writes, from graph. */}}
SELECT COUNT(DISTINCT universal_id) FROM {{work "graph"}}
