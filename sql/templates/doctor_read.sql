{{/* doctor_read: whether the session may read the source Table; reads no rows (on BigQuery it is only
     priced, by a dry run). */}}
SELECT 1 FROM {{.Table}} LIMIT 0
