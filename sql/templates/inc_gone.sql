{{/* inc_gone: the hashes of the stored rows a run replaces, from changed_<source>. */}}
SELECT row_hash FROM {{work .Changed}} WHERE stored = 1
