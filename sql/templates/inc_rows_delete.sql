{{/* inc_rows_delete: deletes from a source's stored rows (Table) those of its window that the run replaces (Gone). */}}
DELETE FROM {{.Table}} WHERE {{.Window}} AND row_hash IN (SELECT row_hash FROM {{work .Gone}})
