CREATE TABLE IF NOT EXISTS {{out "audience_history"}} (
  audience {{typ "text"}},
  universal_id {{typ "text"}},
  entered_at {{typ "timestamp"}},
  exited_at {{typ "timestamp"}},
  run_id {{typ "int64"}}
)
