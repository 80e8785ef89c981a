{{/* lease_held: a row when Holder holds Project's lease until Expires (a timestamp literal): when the lease_take
     that wrote exactly that expiry took effect, nobody has taken the lease since, and no other copy of the
     project's row (see lease_seed) names anyone else or another expiry. */}}
SELECT holder FROM {{out "run_lease"}}
WHERE project = {{str .Project}} AND holder = {{str .Holder}} AND expires_at = {{.Expires}}
  AND NOT EXISTS (
    SELECT 1 FROM {{out "run_lease"}} lease_copy
    WHERE lease_copy.project = {{str .Project}} AND (lease_copy.holder <> {{str .Holder}} OR lease_copy.expires_at <> {{.Expires}})
  )
