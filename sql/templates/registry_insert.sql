{{/* registry_insert: records in the registry table Table that project Project made the tables and views
     Objects. */}}
INSERT INTO {{.Table}} (project, schema_name, object_name) VALUES {{range $i, $o := .Objects}}{{if $i}}, {{end}}({{str $.Project}}, {{str $o.Schema}}, {{str $o.Name}}){{end}}
