{{/* identify_flush: appends to the landing table Table the calls loaded into From (same columns) whose event id
     it does not hold yet, so that a journal flushed twice, or a retried call, lands once. */}}
INSERT INTO {{.Table}} (event_id, received_at, answered_id, answered_type, answered_value, confirmed_run{{range .Columns}}, {{q .}}{{end}})
SELECT f.event_id, f.received_at, f.answered_id, f.answered_type, f.answered_value, f.confirmed_run{{range .Columns}}, f.{{q .}}{{end}}
FROM {{.From}} f
WHERE NOT EXISTS (SELECT 1 FROM {{.Table}} e WHERE e.event_id = f.event_id)
