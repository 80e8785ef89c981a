{{/* run_audience_moves: the audience entries of the run bound first (its run_id), and the exits it closed:
     exited_at between its start and the start of the next run, for the destinations. */}}
SELECT 'entry' AS move, audience, universal_id, entered_at AS moved_at
FROM {{out "audience_history"}}
WHERE run_id = {{cast (ph 1) "int64"}}
UNION ALL
SELECT 'exit' AS move, h.audience, h.universal_id, h.exited_at AS moved_at
FROM {{out "audience_history"}} h
WHERE h.exited_at >= (SELECT MAX(started_at) FROM {{out "runs"}} WHERE run_id = {{cast (ph 1) "int64"}})
  AND h.exited_at < COALESCE((SELECT MIN(started_at) FROM {{out "runs"}} WHERE run_id > {{cast (ph 1) "int64"}}), {{cast "'9999-12-31'" "timestamp"}})
ORDER BY move, audience, universal_id
