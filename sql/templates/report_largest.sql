{{/* report_largest: the ten profiles with the most identifiers, from profiles. */}}
SELECT universal_id, identifiers FROM {{out "profiles"}} ORDER BY identifiers DESC, universal_id LIMIT 10
