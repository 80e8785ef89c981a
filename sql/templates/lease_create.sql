{{/* lease_create: creates, if missing, the run_lease table: per project, the process that may run it and when
     that right expires. The primary key is what the Postgres seed's ON CONFLICT needs; Snowflake accepts it
     and does not enforce it. */}}
CREATE TABLE IF NOT EXISTS {{out "run_lease"}} (
  project {{typ "text"}} PRIMARY KEY,
  holder {{typ "text"}},
  expires_at {{typ "timestamp"}}
)
