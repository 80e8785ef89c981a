{{/* inc_all_rows: Columns of every row of a source after the run: the stored rows less those it replaces
     (gone_<source>), plus the new and changed ones (ins_<source>). */}}
SELECT {{.Columns}} FROM (SELECT * FROM {{.Stored}} WHERE NOT ({{.Window}} AND row_hash IN (SELECT row_hash FROM {{work .Gone}})) UNION ALL SELECT * FROM {{work .Ins}}) s
