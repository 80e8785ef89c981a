{{/* forget_counts: how many requests of the published forget_requests table wait for the next run, and how
     many identifiers forget_audit says were forgotten. */}}
SELECT (SELECT COUNT(*) FROM {{out "forget_requests"}}) AS pending, (SELECT COUNT(*) FROM {{out "forget_audit"}}) AS forgotten
