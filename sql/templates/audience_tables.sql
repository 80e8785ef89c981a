{{/* audience_tables: creates, if missing, the published audience_members table, which a run reads for when
     each member entered. */}}
CREATE TABLE IF NOT EXISTS {{out "audience_members"}} (
  audience {{typ "text"}},
  universal_id {{typ "text"}},
  entered_at {{typ "timestamp"}}
)
