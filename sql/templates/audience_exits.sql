{{/* audience_exits: closes, at the current time, the open entries of audience_history whose audience and
     universal_id are no longer in the audience_members about to be published. The target has an alias:
     GoogleSQL gives a table path only its last name as implicit alias, so a qualified name cannot be
     repeated in the condition. */}}
UPDATE {{out "audience_history"}} AS h
SET exited_at = {{cast (now) "timestamp"}}
WHERE h.exited_at IS NULL
  AND NOT EXISTS (
    SELECT 1 FROM {{next "audience_members"}} n
    WHERE n.audience = h.audience AND n.universal_id = h.universal_id
  )
