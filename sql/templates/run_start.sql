{{/* run_start: records run RunID of Project as running in runs. */}}
INSERT INTO {{out "runs"}} (run_id, project, started_at, status, mode, algorithm) VALUES ({{.RunID}}, {{str .Project}}, {{now}}, 'running', {{str .Mode}}, {{str .Algorithm}})
