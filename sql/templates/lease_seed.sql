INSERT INTO {{out "run_lease"}} (project, holder, expires_at)
VALUES ({{str .Project}}, '', TIMESTAMP '1970-01-01 00:00:00')
ON CONFLICT DO NOTHING
