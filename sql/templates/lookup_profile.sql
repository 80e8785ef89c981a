{{/* lookup_profile: the row of profiles whose universal id is bind parameter 1. */}}
SELECT * FROM {{out "profiles"}} WHERE universal_id = {{ph 1}}
