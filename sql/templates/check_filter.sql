{{/* check_filter: whether Filter, a source's filter, runs on the source Table; reads no rows. */}}
SELECT 1 FROM {{.Table}} WHERE ({{.Filter}}) LIMIT 0
