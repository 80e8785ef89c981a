{{/* quarantine_kept: the published id_quarantine rows of Reasons (limit conflicts, isolated anonymous ids) of
     identifiers that an incremental run does not recompute (not in redo); with Scope, their values
     qualified again by scope or pool, as a run keys them. */}}
{{- if .Scope}}
SELECT q.id_type, q.id_value, q.reason, q.evidence
FROM (
  SELECT id_type, {{concat "COALESCE(scope, pool)" "'|'" "id_value"}} AS id_value, reason, evidence
  FROM {{out "id_quarantine"}}
) q
{{- else}}
SELECT q.id_type, q.id_value, q.reason, q.evidence
FROM {{out "id_quarantine"}} q
{{- end}}
WHERE q.reason IN ({{range $i, $r := .Reasons}}{{if $i}}, {{end}}{{str $r}}{{end}})
  AND NOT EXISTS (SELECT 1 FROM {{work "redo"}} r WHERE r.id_type = q.id_type AND r.id_value = q.id_value)
