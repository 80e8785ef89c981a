{{/* dead_letters_create: creates, if missing, the published table of webhook batches that exhausted their
     retries: the destination, the batch's idempotency key and run, the attempts made, the last error, the body
     as it was sent, and when it was given up. */}}
CREATE TABLE IF NOT EXISTS {{out "delivery_dead_letters"}} (
  destination {{typ "text"}},
  idempotency_key {{typ "text"}},
  run_id {{typ "int64"}},
  attempts {{typ "int64"}},
  last_error {{typ "text"}},
  payload {{typ "text"}},
  failed_at {{typ "timestamp"}}
)
