{{/* run_changes: the id_changes rows of the run bound first, for the destinations. */}}
SELECT kind, old_universal_id, new_universal_id, identifiers
FROM {{out "id_changes"}}
WHERE run_id = {{cast (ph 1) "int64"}}
ORDER BY kind, old_universal_id, new_universal_id
