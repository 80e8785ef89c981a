{{/* audience_exits: closes, at the current time, the open entries of audience_history whose audience and
     universal_id are no longer in the audience_members about to be published. */}}
UPDATE {{out "audience_history"}}
SET exited_at = {{cast (now) "timestamp"}}
WHERE exited_at IS NULL
  AND NOT EXISTS (
    SELECT 1 FROM {{next "audience_members"}} n
    WHERE n.audience = {{out "audience_history"}}.audience AND n.universal_id = {{out "audience_history"}}.universal_id
  )
