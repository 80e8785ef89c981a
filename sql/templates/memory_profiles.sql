{{/* memory_profiles: every row of profiles, for the in-memory copy of the lookup data. */}}
SELECT * FROM {{out "profiles"}}
