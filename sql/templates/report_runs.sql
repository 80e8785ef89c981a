{{/* report_runs: the last thirty runs with their profiles, stage timings and quarantine counts, from runs. */}}
SELECT run_id, started_at, status, components, stage_seconds, quarantined FROM {{out "runs"}} ORDER BY run_id DESC LIMIT 30
