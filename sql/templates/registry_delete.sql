{{/* registry_delete: removes from the registry table Table the tables and views Objects of project Project,
     which a run dropped. */}}
DELETE FROM {{.Table}} WHERE project = {{str .Project}} AND ({{range $i, $o := .Objects}}{{if $i}} OR {{end}}(schema_name = {{str $o.Schema}} AND object_name = {{str $o.Name}}){{end}})
