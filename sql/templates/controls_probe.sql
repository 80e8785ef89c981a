{{/* controls_probe: one row: the rows of the overrides table, and those of Applied (the overrides the last run
     applied, in the state), and those of forget_requests and forget_audit, for the runner to decide what a run
     reads. */}}
SELECT (SELECT COUNT(*) FROM {{out "overrides"}}) AS overrides, (SELECT COUNT(*) FROM {{.Applied}}) AS applied,
  (SELECT COUNT(*) FROM {{out "forget_requests"}}) AS requests, (SELECT COUNT(*) FROM {{out "forget_audit"}}) AS audit
