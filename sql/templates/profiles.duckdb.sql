WITH per_type AS (
  SELECT component, id_type, COUNT(*) AS n,
    arg_max(id_value, (COALESCE(last_seen_at, TIMESTAMP '0001-01-01'), id_value)) AS latest,
    MIN(first_seen_at) AS first_seen_at, MAX(last_seen_at) AS last_seen_at
  FROM {{work "assign"}}
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
SELECT a.universal_id, p.first_seen_at, p.last_seen_at, p.identifiers
{{- range .Types}}, p.{{q (print . "_count")}}, p.{{q (print "latest_" .)}}{{end}}
FROM per_profile p
JOIN {{work "anchors"}} a ON p.component = a.component
