UPDATE {{out "run_lease"}}
SET expires_at = TIMESTAMP '1970-01-01 00:00:00'
WHERE project = {{str .Project}} AND holder = {{str .Holder}}
