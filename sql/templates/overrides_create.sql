{{/* overrides_create: creates, if missing, the published overrides table that people (or a ticketing tool)
     write to: never_link and always_link name two identifiers, block and unblock one (a), with who, why
     and when. override_id names a row; each run writes status, status_detail and status_run_id. */}}
CREATE TABLE IF NOT EXISTS {{out "overrides"}} (
  override_id {{typ "text"}},
  kind {{typ "text"}},
  id_type_a {{typ "text"}},
  id_value_a {{typ "text"}},
  id_type_b {{typ "text"}},
  id_value_b {{typ "text"}},
  created_by {{typ "text"}},
  reason {{typ "text"}},
  created_at {{typ "timestamp"}},
  status {{typ "text"}},
  status_detail {{typ "text"}},
  status_run_id {{typ "int64"}}
)
