{{/* report_changes: the profiles merged away and split off by each run from run Since on, as
     (run_id, kind, count), from id_changes. */}}
SELECT run_id, kind, COUNT(*) FROM {{out "id_changes"}} WHERE run_id >= {{.Since}} AND kind IN ('merge', 'split') GROUP BY run_id, kind
