SELECT reason, COUNT(*) FROM {{next "id_quarantine"}} GROUP BY reason
