{{/* check_extract: whether Query, the extraction of a source with its normalizers, runs; reads no rows. */}}
SELECT * FROM ({{.Query}}) x LIMIT 0
