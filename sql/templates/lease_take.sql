{{/* lease_take: gives Project's lease to Holder until Expires when Holder holds it already or it expired before
     Now (both timestamp literals, UTC). Whether it did is read afterwards with lease_held: DML that returns
     rows (RETURNING) is not on every warehouse. */}}
UPDATE {{out "run_lease"}}
SET holder = {{str .Holder}}, expires_at = {{.Expires}}
WHERE project = {{str .Project}} AND (holder = {{str .Holder}} OR expires_at < {{.Now}})
