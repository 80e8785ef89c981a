CREATE TABLE IF NOT EXISTS {{out "run_lease"}} (
  project {{typ "text"}} PRIMARY KEY,
  holder {{typ "text"}},
  expires_at {{typ "timestamp"}}
)
