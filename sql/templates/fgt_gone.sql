{{/* fgt_gone: the hashes of the stored rows a run replaces (as inc_gone, from Changed) and of those it forgets
     (Rows). */}}
SELECT row_hash FROM {{work .Changed}} WHERE stored = 1
UNION ALL
SELECT row_hash FROM {{work .Rows}}
