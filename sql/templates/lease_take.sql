UPDATE {{out "run_lease"}}
SET holder = {{str .Holder}}, expires_at = {{ph 1}}
WHERE project = {{str .Project}} AND (holder = {{str .Holder}} OR expires_at < {{ph 2}})
RETURNING holder
