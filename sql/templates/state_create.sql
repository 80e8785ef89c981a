{{/* state_create: creates, if missing, the state table Table with its typed Columns. */}}
CREATE TABLE IF NOT EXISTS {{.Table}} (
{{- range $i, $c := .Columns}}{{if $i}},{{end}}
  {{$c.Name}} {{typ $c.Type}}
{{- end}}
)
