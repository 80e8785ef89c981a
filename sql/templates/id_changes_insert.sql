{{/* id_changes_insert: appends the changes of run RunID (from the table From) to id_changes, with Scope their pool. */}}
INSERT INTO {{out "id_changes"}} (run_id, changed_at, kind, old_universal_id, new_universal_id, identifiers{{if .Scope}}, pool{{end}}) SELECT {{.RunID}}, {{cast (now) "timestamp"}}, kind, old_universal_id, new_universal_id, identifiers{{if .Scope}}, pool{{end}} FROM {{.From}}
