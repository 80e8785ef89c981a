SELECT component, anchor.id_type AS anchor_type, anchor.id_value AS anchor_value,
  {{md5 (concat (str .Salt) "'|'" "anchor.id_type" "'|'" "anchor.id_value")}} AS universal_id
FROM (
  SELECT component,
    arg_min({id_type: id_type, id_value: id_value}, (COALESCE(first_seen_at, TIMESTAMP '9999-12-31'), type_rank, id_value)) AS anchor
  FROM {{work "assign"}}
  GROUP BY component
) a
