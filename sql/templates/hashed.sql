{{/* hashed: the rows of the extraction query Extract, each with its row_hash, the expression Hash over
     everything extracted from it. */}}
SELECT e.*, {{.Hash}} AS row_hash
FROM (
{{.Extract}}
) e
