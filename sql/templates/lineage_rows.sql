{{/* lineage_rows: the number of rows of a published table (Table, rendered), for the output statistics of the run's lineage. */}}
SELECT COUNT(*) FROM {{.Table}}
