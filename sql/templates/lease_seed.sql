{{/* lease_seed: adds Project's row to run_lease, held by nobody and expired, unless it is there already.
     Where a warehouse enforces no key (BigQuery; Snowflake, unless its MERGE waits for another's lock and then
     sees its row), two servers seeding at the same moment may each insert the row: on BigQuery a MERGE that
     only inserts conflicts with no other DML. A late copy may even land after the first was taken. The lease
     stays safe with copies: lease_take updates every copy its condition matches, and lease_held counts the
     lease as held only when every copy names the holder and its expiry, so differing copies stop every
     taker until they have all expired and one take overwrites them alike. */}}
MERGE INTO {{out "run_lease"}} existing
USING (SELECT {{str .Project}} AS project) wanted
ON existing.project = wanted.project
WHEN NOT MATCHED THEN INSERT (project, holder, expires_at) VALUES (wanted.project, '', TIMESTAMP '1970-01-01 00:00:00')
