{{/* doctor_ping: whether the session answers at all, on a warehouse without roles to ask about. */}}
SELECT 1
