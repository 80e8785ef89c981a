SELECT {{if .Links}}{{range $i, $s := .Slots}}{{if $i}}, {{end}}s.n{{.N}}{{end}}{{else}}*{{end}}
FROM {{.From}} s
WHERE {{range $i, $s := .Slots}}{{if $i}}
   OR {{end}}s.n{{.N}} IN (SELECT node_id FROM {{work $.Nodes}}){{end}}
