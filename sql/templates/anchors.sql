{{/* anchors: per component of assign, the anchor identifier (earliest first_seen_at, then type_rank, then
     bytewise value) and its universal_id, the md5 of Salt, id type and value. */}}
SELECT component, id_type AS anchor_type, id_value AS anchor_value,
  {{md5 (concat (str .Salt) "'|'" "id_type" "'|'" "id_value")}} AS universal_id
FROM (
  SELECT component, id_type, id_value,
    ROW_NUMBER() OVER (PARTITION BY component ORDER BY first_seen_at ASC NULLS LAST, type_rank, {{bytewise "id_value"}}) AS pos
  FROM {{work "assign"}}
) a
WHERE pos = 1
