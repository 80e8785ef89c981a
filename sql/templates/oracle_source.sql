{{/* oracle_source: the identifier Columns of the source Table as text, as they are, of the rows its
     Filter keeps; for the union-find that checks runs. */}}
SELECT {{range $i, $c := .Columns}}{{if $i}}, {{end}}{{if $c.Name}}{{cast (q $c.Name) "text"}}{{else}}{{cast $c.Expr "text"}}{{end}}{{end}} FROM {{.Table}}{{if .Filter}} WHERE ({{.Filter}}){{end}}
