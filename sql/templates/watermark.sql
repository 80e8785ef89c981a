{{/* watermark: a source's watermark, the latest timestamp among its stored rows (Table). */}}
SELECT MAX(ts) FROM {{.Table}}
