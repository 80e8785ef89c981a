{{/* lease_seed: adds Project's row to run_lease, held by nobody and expired, unless it is there already.
     Where a warehouse enforces no key (Snowflake, BigQuery), two servers seeding at the same moment may each
     insert the row. The copies are identical and stay so: every later statement (lease_take, lease_release)
     updates all of a project's rows together, with a condition on the row's own values, in one statement.
     lease_held finds the holder's copies, however many. */}}
MERGE INTO {{out "run_lease"}} lease
USING (SELECT {{str .Project}} AS project) seed
ON lease.project = seed.project
WHEN NOT MATCHED THEN INSERT (project, holder, expires_at) VALUES (seed.project, '', TIMESTAMP '1970-01-01 00:00:00')
