{{/* journal_write: records in the journal table Table the statements (Entries) that publish run RunID,
     in order: the replacements, each of which can run again, then those committed together. */}}
INSERT INTO {{.Table}} (run_id, seq, phase, statement) VALUES {{range $i, $e := .Entries}}{{if $i}},
{{end}}({{$.RunID}}, {{$e.Seq}}, {{str $e.Phase}}, {{str $e.SQL}}){{end}}
