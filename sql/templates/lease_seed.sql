{{/* lease_seed: adds Project's row to run_lease, held by nobody and expired, unless it is there already. */}}
INSERT INTO {{out "run_lease"}} (project, holder, expires_at)
VALUES ({{str .Project}}, '', TIMESTAMP '1970-01-01 00:00:00')
ON CONFLICT DO NOTHING
