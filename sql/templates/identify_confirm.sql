{{/* identify_confirm: appends to id_changes, for run RunID, a provisional change for each universal id that
     identify answered for calls received before the run started and not yet confirmed, where the published
     id_graph now gives the answering identifier another id (or none: quarantined or gone), with the count of
     such identifiers; once per run. */}}
INSERT INTO {{out "id_changes"}} (run_id, changed_at, kind, old_universal_id, new_universal_id, identifiers)
SELECT {{.RunID}}, {{cast (now) "timestamp"}}, 'provisional', c.answered_id, c.universal_id, {{cast "COUNT(*)" "int64"}}
FROM (
  SELECT DISTINCT e.answered_id, e.answered_type, e.answered_value, g.universal_id
  FROM {{.Table}} e
  LEFT JOIN {{out "id_graph"}} g ON g.id_type = e.answered_type AND g.id_value = e.answered_value
  WHERE e.confirmed_run IS NULL
    AND e.received_at <= (SELECT MAX(started_at) FROM {{out "runs"}} WHERE run_id = {{.RunID}})
    AND (g.universal_id IS NULL OR g.universal_id <> e.answered_id)
) c
WHERE NOT EXISTS (SELECT 1 FROM {{out "id_changes"}} x WHERE x.run_id = {{.RunID}} AND x.kind = 'provisional')
GROUP BY c.answered_id, c.universal_id
