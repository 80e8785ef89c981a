{{/* lookup_quarantined: the (id_type, reason, evidence) of the quarantined identifiers whose value is
     bind parameter 1, from id_quarantine. */}}
SELECT id_type, reason, evidence FROM {{out "id_quarantine"}} WHERE id_value = {{ph 1}}
