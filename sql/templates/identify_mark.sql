{{/* identify_mark: marks as confirmed by run RunID the calls of the landing table Table received before the run
     started and not confirmed yet (identify_confirm compared them first). */}}
UPDATE {{.Table}} SET confirmed_run = {{.RunID}}
WHERE confirmed_run IS NULL
  AND received_at <= (SELECT MAX(started_at) FROM {{out "runs"}} WHERE run_id = {{.RunID}})
