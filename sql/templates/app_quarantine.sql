{{/* app_quarantine: the published id_quarantine rows, kept as they are by an append-only batch, which nothing can
     quarantine or release (it runs only where no guard applies). */}}
SELECT id_type, id_value, reason, evidence FROM {{out "id_quarantine"}}
