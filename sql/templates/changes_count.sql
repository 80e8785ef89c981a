{{/* changes_count: the changes of a run by kind, as (kind, profiles, identifiers), from changes. */}}
SELECT kind, COUNT(*), {{cast "COALESCE(SUM(identifiers), 0)" "int64"}} FROM {{work "changes"}} GROUP BY kind
