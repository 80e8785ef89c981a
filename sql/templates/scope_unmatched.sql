{{/* scope_unmatched: how many rows of a source (Table, less those its Filter drops) hold in their scope
     column (Column) NULL or a value that is none of the declared Scopes: rows a run leaves out when no
     default scope takes them. */}}
SELECT COUNT(*) FROM {{.Table}}
WHERE {{if .Filter}}({{.Filter}}) AND {{end}}({{.Column}} IS NULL OR {{cast .Column "text"}} NOT IN ({{range $i, $s := .Scopes}}{{if $i}}, {{end}}{{str $s}}{{end}}))
