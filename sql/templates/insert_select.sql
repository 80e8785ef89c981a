{{/* insert_select: inserts into Table the rows of Query. */}}
INSERT INTO {{.Table}} {{.Query}}
