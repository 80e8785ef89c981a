{{/* fgt_withdraw: removes from forget_audit the values whose latest request withdraws the forget. */}}
DELETE FROM {{out "forget_audit"}}
WHERE value_hash IN (SELECT value_hash FROM {{work "fgt_new"}} WHERE latest = 1 AND action = 'withdraw')
