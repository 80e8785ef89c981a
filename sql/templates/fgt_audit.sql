{{/* fgt_audit: records in forget_audit each value forgotten now, as its salted hash with the request time,
     the time and the run RunID. */}}
INSERT INTO {{out "forget_audit"}} (value_hash, requested_at, forgotten_at, run_id)
SELECT value_hash, requested_at, {{now}}, {{.RunID}}
FROM {{work "fgt_new"}}
WHERE latest = 1 AND action = 'forget' AND value_hash NOT IN (SELECT value_hash FROM {{out "forget_audit"}})
