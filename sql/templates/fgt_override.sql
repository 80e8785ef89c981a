{{/* fgt_override: deletes the overrides that name an identifier forgotten now. */}}
DELETE FROM {{out "overrides"}}
WHERE override_id IN (
  SELECT override_id FROM {{work "ovr"}}
  WHERE na IN (SELECT node_id FROM {{work "fgt_keys"}}) OR nb IN (SELECT node_id FROM {{work "fgt_keys"}})
)
