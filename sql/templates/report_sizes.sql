{{/* report_sizes: how many profiles have each number of identifiers, from profiles. */}}
SELECT identifiers, COUNT(*) FROM {{out "profiles"}} GROUP BY identifiers ORDER BY identifiers
