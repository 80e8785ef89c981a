{{/* journal_read: the statements of a publish that has not finished, as (run_id, phase, statement), in
     order, from the journal table Table. */}}
SELECT run_id, phase, statement FROM {{.Table}} ORDER BY seq
