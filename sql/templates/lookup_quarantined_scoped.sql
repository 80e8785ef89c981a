{{/* lookup_quarantined_scoped: lookup_quarantined for a project with scopes: the (id_type, qualifier,
     reason, evidence) of the quarantined identifiers whose value is bind parameter 1, the qualifier being
     the scope of a local identifier or the pool of a shared one. */}}
SELECT id_type, COALESCE(scope, pool) AS qualifier, reason, evidence FROM {{out "id_quarantine"}} WHERE id_value = {{ph 1}}
