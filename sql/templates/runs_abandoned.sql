{{/* runs_abandoned: marks as failed, with Error, the runs still recorded as running. */}}
UPDATE {{out "runs"}} SET status = 'failed', error = {{str .Error}} WHERE status = 'running'
