CREATE TABLE IF NOT EXISTS {{.Table}} (
{{- range $i, $c := .Columns}}{{if $i}},{{end}}
  {{index $c 0}} {{typ (index $c 1)}}
{{- end}}
)
