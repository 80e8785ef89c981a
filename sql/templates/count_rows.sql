{{/* count_rows: the number of rows of the work table Table (rows read, edges left, identifiers reached). */}}
SELECT COUNT(*) FROM {{work .Table}}
