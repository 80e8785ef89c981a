{{/* nodes_unnamed: identifiers of the recomputed regions whose value no input gave (must be none). */}}
SELECT COUNT(*) FROM {{work "nodes"}} WHERE id_value IS NULL
