{{/* inc_ins: the rows read again (win_<source>) that are new or changed (changed_<source>). */}}
SELECT * FROM {{work .Window}} WHERE row_hash IN (SELECT row_hash FROM {{work .Changed}})
