{{/* forget_requests_create: creates, if missing, the published forget_requests table: requests to forget an
     identifier (action forget) or to withdraw that (action withdraw). The next run carries them out and
     deletes them; what stays is in forget_audit. */}}
CREATE TABLE IF NOT EXISTS {{out "forget_requests"}} (
  request_id {{typ "text"}},
  action {{typ "text"}},
  id_type {{typ "text"}},
  id_value {{typ "text"}},
  requested_by {{typ "text"}},
  requested_at {{typ "timestamp"}}
)
