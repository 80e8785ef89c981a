{{/* copy_rows: replaces the rows of Table by those of From, a table of the same columns, as DML that a
     transaction can hold on a warehouse whose DDL commits at once. */}}
INSERT INTO {{.Table}} SELECT * FROM {{.From}}
