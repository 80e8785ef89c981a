{{/* insert_from: inserts into Table the Columns of the rows of the work table From. */}}
INSERT INTO {{.Table}} SELECT {{.Columns}} FROM {{work .From}}
