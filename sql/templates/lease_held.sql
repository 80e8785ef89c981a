{{/* lease_held: a row when Holder holds Project's lease until Expires (a timestamp literal), that is when the
     lease_take that wrote exactly that expiry took effect and nobody has taken the lease since. */}}
SELECT holder FROM {{out "run_lease"}}
WHERE project = {{str .Project}} AND holder = {{str .Holder}} AND expires_at = {{.Expires}}
