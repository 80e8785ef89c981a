{{/* delete_all: empties Table, a table the engine made, inside the publish transaction. */}}
DELETE FROM {{.Table}} WHERE 1 = 1
