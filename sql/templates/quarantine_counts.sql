{{/* quarantine_counts: the number of quarantined identifiers per reason, from the id_quarantine about to be
     published. */}}
SELECT reason, COUNT(*) FROM {{next "id_quarantine"}} GROUP BY reason
