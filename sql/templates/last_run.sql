{{/* last_run: the id of the last run that published (0 when none), from runs. */}}
SELECT COALESCE(MAX(run_id), 0) FROM {{out "runs"}} WHERE status = 'success'
