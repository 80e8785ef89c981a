{{/* lease_seed: adds Project's row to run_lease, held by nobody and expired, unless it is there already.
     Postgres has MERGE only from version 15, and its MERGE raises a unique violation when another session
     inserts the same key at the same moment; ON CONFLICT DO NOTHING has neither limit. */}}
INSERT INTO {{out "run_lease"}} (project, holder, expires_at)
VALUES ({{str .Project}}, '', TIMESTAMP '1970-01-01 00:00:00')
ON CONFLICT DO NOTHING
