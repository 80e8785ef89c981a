{{/* id_changes_create: creates, if missing, the published id_changes table: every change of universal ids
     (kind, old and new id, identifiers moved) with its run; with Scope, the pool. */}}
CREATE TABLE IF NOT EXISTS {{out "id_changes"}} (
  run_id {{typ "int64"}},
  changed_at {{typ "timestamp"}},
  kind {{typ "text"}},
  old_universal_id {{typ "text"}},
  new_universal_id {{typ "text"}},
  identifiers {{typ "int64"}}
{{- if .Scope}},
  pool {{typ "text"}}
{{- end}}
)
