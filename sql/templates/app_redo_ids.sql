{{/* app_redo_ids: the universal ids whose profiles rows an append-only batch replaces: the touched profiles' and
     the groups'. */}}
SELECT DISTINCT universal_id FROM (
  SELECT old_id AS universal_id FROM {{work "app_moves"}}
  UNION ALL
  SELECT universal_id FROM {{work "anchors"}}
) u
