{{/* override_delete: removes the override whose override_id is bind parameter 1 from the published overrides
     table; the next run no longer applies it. */}}
DELETE FROM {{out "overrides"}} WHERE override_id = {{ph 1}}
