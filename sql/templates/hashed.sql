SELECT e.*, {{.Hash}} AS row_hash
FROM (
{{.Extract}}
) e
