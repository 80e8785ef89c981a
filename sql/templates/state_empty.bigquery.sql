{{/* state_empty: no rows, with the typed columns of a state table, for a run that has nothing to keep there.
     BigQuery has its own file because GoogleSQL refuses WHERE in a query without FROM; LIMIT 0 keeps no row. */}}
SELECT {{range $i, $c := .Columns}}{{if $i}}, {{end}}{{cast "NULL" $c.Type}} AS {{$c.Name}}{{end}} LIMIT 0
