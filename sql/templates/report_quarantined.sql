{{/* report_quarantined: the twenty quarantined identifiers with the most evidence, from id_quarantine. */}}
SELECT reason, id_type, id_value, evidence FROM {{out "id_quarantine"}} ORDER BY evidence DESC, reason, id_type, id_value LIMIT 20
