{{/* inc_redo: every identifier whose published rows an incremental run replaces: those of the recomputed
     regions (nodes), those on changed rows (touched) and, with Flips, those whose hub decision flipped. */}}
SELECT DISTINCT node_id, id_type, id_value FROM (SELECT node_id, id_type, id_value FROM {{work "nodes"}} UNION ALL SELECT node_id, id_type, id_value FROM {{work "touched"}}{{if .Flips}} UNION ALL SELECT node_id, id_type, id_value FROM {{work "decided"}} WHERE node_id IN (SELECT node_id FROM {{work "flips"}}){{end}}) r
