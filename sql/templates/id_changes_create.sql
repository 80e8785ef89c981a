CREATE TABLE IF NOT EXISTS {{out "id_changes"}} (
  run_id {{typ "int64"}},
  changed_at {{typ "timestamp"}},
  kind {{typ "text"}},
  old_universal_id {{typ "text"}},
  new_universal_id {{typ "text"}},
  identifiers {{typ "int64"}}
)
