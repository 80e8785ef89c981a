{{/* memory_quarantine: every quarantined identifier with its reason and evidence, from id_quarantine,
     for the in-memory copy. */}}
SELECT id_type, id_value, reason, evidence FROM {{out "id_quarantine"}}
