CREATE TABLE IF NOT EXISTS {{out "audience_members"}} (
  audience {{typ "text"}},
  universal_id {{typ "text"}},
  entered_at {{typ "timestamp"}}
)
