{{/* audience_history_create: creates, if missing, the published audience_history table: every entry into and
     exit from an audience, with its run. */}}
CREATE TABLE IF NOT EXISTS {{out "audience_history"}} (
  audience {{typ "text"}},
  universal_id {{typ "text"}},
  entered_at {{typ "timestamp"}},
  exited_at {{typ "timestamp"}},
  run_id {{typ "int64"}}
)
