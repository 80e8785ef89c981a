{{/* ovr_update: writes the status this run gave each override (ovr_status) into the overrides table, with the
     run's id RunID. The target is named by its table name in the condition, without an alias: that is the
     form Snowflake's UPDATE documents, and GoogleSQL gives a table path its last name as implicit alias. */}}
UPDATE {{out "overrides"}}
SET status = s.status, status_detail = s.detail, status_run_id = {{.RunID}}
FROM {{work "ovr_status"}} s
WHERE {{q "overrides"}}.override_id = s.override_id
