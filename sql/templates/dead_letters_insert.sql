{{/* dead_letters_insert: records a webhook batch that exhausted its retries, from bound values (destination,
     key, run, attempts, last error, body, time), unless its key is recorded already. */}}
INSERT INTO {{out "delivery_dead_letters"}} (destination, idempotency_key, run_id, attempts, last_error, payload, failed_at)
SELECT {{ph 1}}, {{ph 2}}, {{cast (ph 3) "int64"}}, {{cast (ph 4) "int64"}}, {{ph 5}}, {{ph 6}}, {{cast (ph 7) "timestamp"}}
FROM (SELECT 1 AS one) x
WHERE NOT EXISTS (SELECT 1 FROM {{out "delivery_dead_letters"}} d WHERE d.idempotency_key = {{ph 2}})
