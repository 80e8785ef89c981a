{{/* report_controls: what each of the last thirty runs did with overrides and forget requests (controls, JSON;
     NULL for runs before them), from runs. A query of its own: a runs table that no run of this version has
     set up yet lacks the column, and the report reads the rest without it. */}}
SELECT run_id, controls FROM {{out "runs"}} ORDER BY run_id DESC LIMIT 30
