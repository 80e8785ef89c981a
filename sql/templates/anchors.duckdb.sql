{{/* anchors: per component of assign, the anchor (earliest first_seen_at, then type_rank, then value) and its
     universal_id (md5 of Salt, type, value). DuckDB has its own file: one arg_min over a struct key is
     faster. */}}
SELECT component, anchor.id_type AS anchor_type, anchor.id_value AS anchor_value,
  {{md5 (concat (str .Salt) "'|'" "anchor.id_type" "'|'" "anchor.id_value")}} AS universal_id
FROM (
  SELECT component,
    arg_min({id_type: id_type, id_value: id_value}, (COALESCE(first_seen_at, TIMESTAMP '9999-12-31'), type_rank, id_value)) AS anchor
  FROM {{work "assign"}}
  GROUP BY component
) a
