{{/* report_pools: how many profiles each pool of scopes has, from profiles (a project with scopes). */}}
SELECT pool, COUNT(*) FROM {{out "profiles"}} GROUP BY pool ORDER BY pool
