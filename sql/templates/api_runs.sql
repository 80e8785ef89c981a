{{/* api_runs: the last fifty runs as the HTTP API lists them, from runs. */}}
SELECT run_id, started_at, finished_at, status, mode, rows_read, nodes, components, rounds, stage_seconds, quarantined, error FROM {{out "runs"}} ORDER BY run_id DESC LIMIT 50
