{{/* lease_take: takes or renews Project's lease for Holder until bind parameter 1, when Holder holds it or it
     expired before parameter 2 (now); it returns a row only then. */}}
UPDATE {{out "run_lease"}}
SET holder = {{str .Holder}}, expires_at = {{ph 1}}
WHERE project = {{str .Project}} AND (holder = {{str .Holder}} OR expires_at < {{ph 2}})
RETURNING holder
