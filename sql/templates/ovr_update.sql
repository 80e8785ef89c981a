{{/* ovr_update: writes the status this run gave each override (ovr_status) into the overrides table, with the
     run's id RunID. */}}
UPDATE {{out "overrides"}} AS o
SET status = s.status, status_detail = s.detail, status_run_id = {{.RunID}}
FROM {{work "ovr_status"}} s
WHERE o.override_id = s.override_id
