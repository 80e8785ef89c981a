{{/* run_next_id: the id of the next run, from runs. */}}
SELECT COALESCE(MAX(run_id), 0) + 1 FROM {{out "runs"}}
