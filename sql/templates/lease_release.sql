{{/* lease_release: ends Holder's lease on Project by setting its expiry in the past, so that another process
     can take it at once. */}}
UPDATE {{out "run_lease"}}
SET expires_at = TIMESTAMP '1970-01-01 00:00:00'
WHERE project = {{str .Project}} AND holder = {{str .Holder}}
