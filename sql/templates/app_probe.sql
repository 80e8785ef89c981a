{{/* app_probe: the stored rows of the window that an incremental run replaces, over every source (Gone, the
     work tables gone_<source>): an append-only batch has none. */}}
SELECT 0{{range .Gone}} + (SELECT COUNT(*) FROM {{work .}}){{end}} AS n
