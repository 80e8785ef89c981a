{{/* select_all: every row of the table Table, as it is. */}}
SELECT * FROM {{.Table}}
