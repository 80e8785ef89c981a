{{/* identify_flush: appends to the landing table Table the calls loaded into From (same columns) whose event id
     it does not hold yet, the first of each event id (by time, then answer), so that a journal flushed twice, or a
     retried call recorded twice, lands once. */}}
INSERT INTO {{.Table}} (event_id, received_at, answered_id, answered_type, answered_value, confirmed_run{{range .Columns}}, {{q .}}{{end}})
SELECT f.event_id, f.received_at, f.answered_id, f.answered_type, f.answered_value, f.confirmed_run{{range .Columns}}, f.{{q .}}{{end}}
FROM (
  SELECT l.*, ROW_NUMBER() OVER (PARTITION BY l.event_id ORDER BY l.received_at, l.answered_id) AS call_rank
  FROM {{.From}} l
) f
WHERE f.call_rank = 1
  AND NOT EXISTS (SELECT 1 FROM {{.Table}} e WHERE e.event_id = f.event_id)
