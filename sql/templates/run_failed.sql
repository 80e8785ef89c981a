{{/* run_failed: records run RunID as failed with its Error. */}}
UPDATE {{out "runs"}} SET status = 'failed', finished_at = {{now}}, rounds = {{.Rounds}}, stage_seconds = {{str .StageSeconds}}, error = {{str .Error}} WHERE run_id = {{.RunID}}
