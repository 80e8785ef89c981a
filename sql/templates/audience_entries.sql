{{/* audience_entries: records in audience_history, for run RunID, each member of the audience_members about
     to be published that has no open entry there. */}}
INSERT INTO {{out "audience_history"}} (audience, universal_id, entered_at, exited_at, run_id)
SELECT n.audience, n.universal_id, n.entered_at, {{cast "NULL" "timestamp"}}, {{cast (print .RunID) "int64"}}
FROM {{next "audience_members"}} n
WHERE NOT EXISTS (
  SELECT 1 FROM {{out "audience_history"}} h
  WHERE h.exited_at IS NULL AND h.audience = n.audience AND h.universal_id = n.universal_id
)
