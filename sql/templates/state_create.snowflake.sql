{{/* state_create: creates, if missing, the state table Table with its typed Columns. TRANSIENT: the
     state is rebuilt from the sources whenever it is lost, so it need not pay for Fail-safe storage. */}}
CREATE TRANSIENT TABLE IF NOT EXISTS {{.Table}} (
{{- range $i, $c := .Columns}}{{if $i}},{{end}}
  {{$c.Name}} {{typ $c.Type}}
{{- end}}
)
