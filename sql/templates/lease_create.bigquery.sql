{{/* lease_create: creates, if missing, the run_lease table: per project, the process that may run it and when
     that right expires. BigQuery takes a primary key only as PRIMARY KEY (…) NOT ENFORCED, and the optimizer
     trusts it; two servers seeding at once may both insert the project's row (an insert-only MERGE conflicts
     with no other DML), which would break that promise. The lease works without the key: see lease_seed. */}}
CREATE TABLE IF NOT EXISTS {{out "run_lease"}} (
  project {{typ "text"}},
  holder {{typ "text"}},
  expires_at {{typ "timestamp"}}
)
