{{/* id_changes_insert: appends the changes of run RunID (from the table From) to id_changes. */}}
INSERT INTO {{out "id_changes"}} (run_id, changed_at, kind, old_universal_id, new_universal_id, identifiers) SELECT {{.RunID}}, {{cast (now) "timestamp"}}, kind, old_universal_id, new_universal_id, identifiers FROM {{.From}}
