{{/* inc_redo_ids: every universal id whose profile rows an incremental run replaces: old (old_map) and new (graph). */}}
SELECT DISTINCT universal_id FROM (SELECT universal_id FROM {{work "old_map"}} UNION ALL SELECT universal_id FROM {{work "graph"}}) u
