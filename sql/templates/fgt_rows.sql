{{/* fgt_rows: the hashes of a source's stored rows (Stored) that hold an identifier forgotten now in one of
     Slots, with how many rows each. */}}
SELECT row_hash, COUNT(*) AS n
FROM {{.Stored}} s
WHERE {{range $i, $s := .Slots}}{{if $i}} OR {{end}}s.n{{.N}} IN (SELECT node_id FROM {{work "fgt_keys"}}){{end}}
GROUP BY row_hash
