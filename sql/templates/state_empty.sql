{{/* state_empty: no rows, with the typed columns of a state table, for a run that has nothing to keep there. */}}
SELECT {{range $i, $c := .Columns}}{{if $i}}, {{end}}{{cast "NULL" $c.Type}} AS {{$c.Name}}{{end}} WHERE 1 = 0
