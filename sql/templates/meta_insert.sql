{{/* meta_insert: stores the fingerprints of the project file (Rows) in the state table Table. */}}
INSERT INTO {{.Table}} (section, fingerprint) VALUES {{range $i, $r := .Rows}}{{if $i}}, {{end}}({{str $r.Section}}, {{str $r.Fingerprint}}){{end}}
