{{/* override_read: the rows of the published overrides table, oldest first; with One, only the override
     whose override_id is bind parameter 1. */}}
SELECT override_id, kind, id_type_a, id_value_a, id_type_b, id_value_b, created_by, reason, created_at, status, status_detail, status_run_id
FROM {{out "overrides"}}
{{- if .One}}
WHERE override_id = {{ph 1}}
{{- end}}
ORDER BY created_at, override_id
