{{/* report_reasons: how many identifiers are quarantined for each reason, from id_quarantine. */}}
SELECT reason, COUNT(*) FROM {{out "id_quarantine"}} GROUP BY reason ORDER BY reason
