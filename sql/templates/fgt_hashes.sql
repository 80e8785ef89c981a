{{/* fgt_hashes: the salted hashes of every value forgotten: those of forget_audit less the ones withdrawn now,
     and those forgotten now. */}}
SELECT value_hash FROM {{out "forget_audit"}}
WHERE value_hash NOT IN (SELECT value_hash FROM {{work "fgt_new"}} WHERE latest = 1 AND action = 'withdraw')
UNION ALL
SELECT value_hash FROM {{work "fgt_new"}} WHERE latest = 1 AND action = 'forget'
