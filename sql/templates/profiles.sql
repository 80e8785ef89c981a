WITH ranked AS (
  SELECT universal_id, id_type, id_value, first_seen_at, last_seen_at,
    ROW_NUMBER() OVER (PARTITION BY universal_id, id_type ORDER BY last_seen_at DESC NULLS LAST, id_value DESC) AS pos
  FROM {{next "id_graph"}}
), per_type AS (
  SELECT universal_id, id_type, COUNT(*) AS n, MAX(CASE WHEN pos = 1 THEN id_value END) AS latest,
    MIN(first_seen_at) AS first_seen_at, MAX(last_seen_at) AS last_seen_at
  FROM ranked
  GROUP BY universal_id, id_type
)
SELECT universal_id,
  MIN(first_seen_at) AS first_seen_at,
  MAX(last_seen_at) AS last_seen_at,
  SUM(n) AS identifiers
{{- range .Types}},
  COALESCE(SUM(CASE WHEN id_type = {{str .}} THEN n END), 0) AS {{q (print . "_count")}},
  MAX(CASE WHEN id_type = {{str .}} THEN latest END) AS {{q (print "latest_" .)}}
{{- end}}
FROM per_type
GROUP BY universal_id
