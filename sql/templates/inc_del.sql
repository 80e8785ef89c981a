{{/* inc_del: the node ids, values and check results of the stored rows a run replaces (gone_<source>). */}}
SELECT {{.Columns}} FROM {{.Stored}} WHERE {{.Window}} AND row_hash IN (SELECT row_hash FROM {{work .Gone}})
