{{/* quarantine_from: quarantined values with their reason and evidence, as the work table Table holds them. */}}
SELECT id_type, id_value, reason, evidence FROM {{work .Table}}
