{{/* forget_audit_create: creates, if missing, the published forget_audit table: every identifier forgotten,
     as a salted hash only, with when it was asked for and the run that carried it out. A value whose hash
     is here stays out of every run until the request is withdrawn. */}}
CREATE TABLE IF NOT EXISTS {{out "forget_audit"}} (
  value_hash {{typ "text"}},
  requested_at {{typ "timestamp"}},
  forgotten_at {{typ "timestamp"}},
  run_id {{typ "int64"}}
)
