{{/* profiles: one row per profile of assign with its universal_id (anchors): first and last seen, identifiers
     and, per type of Types, <type>_count and latest_<type>, its most recently seen value; with Scope, the pool, and bare values. */}}
WITH ranked AS (
  SELECT component, id_type, id_value, first_seen_at, last_seen_at,
    ROW_NUMBER() OVER (PARTITION BY component, id_type ORDER BY last_seen_at DESC NULLS LAST, {{bytewise "id_value"}} DESC) AS pos
  FROM {{work "assign"}}
), per_type AS (
  SELECT component, id_type, COUNT(*) AS n, MAX(CASE WHEN pos = 1 THEN id_value END) AS latest,
    MIN(first_seen_at) AS first_seen_at, MAX(last_seen_at) AS last_seen_at
  FROM ranked
  GROUP BY component, id_type
), per_profile AS (
  SELECT component,
    MIN(first_seen_at) AS first_seen_at,
    MAX(last_seen_at) AS last_seen_at,
    {{cast "SUM(n)" "int64"}} AS identifiers
{{- range .Types}},
    {{cast (print "COALESCE(SUM(CASE WHEN id_type = " (str .) " THEN n END), 0)") "int64"}} AS {{q (print . "_count")}},
    MAX(CASE WHEN id_type = {{str .}} THEN latest END) AS {{q (print "latest_" .)}}
{{- end}}
  FROM per_type
  GROUP BY component
)
SELECT a.universal_id{{if .Scope}}, a.pool{{end}}, p.first_seen_at, p.last_seen_at, p.identifiers
{{- range .Types}}, p.{{q (print . "_count")}}, {{if $.Scope}}{{bare (print "p." (q (print "latest_" .)))}} AS {{q (print "latest_" .)}}{{else}}p.{{q (print "latest_" .)}}{{end}}{{end}}
FROM per_profile p
JOIN {{work "anchors"}} a ON p.component = a.component
