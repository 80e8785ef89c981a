{{/* edges: the links from each row's first identifier to its other identifiers (Links), per pair with
     row_count, first and last seen and the sorted list of sources; with Overrides, the links of always_link
     overrides (ovr_edges) too, with no rows, as source override. */}}
SELECT a, b, {{cast "SUM(n)" "int64"}} AS row_count, MIN(first_seen_at) AS first_seen_at, MAX(last_seen_at) AS last_seen_at,
  {{stringagg "source" ","}} AS sources
FROM (
  SELECT LEAST(a, b) AS a, GREATEST(a, b) AS b, source, COUNT(*) AS n, MIN(ts) AS first_seen_at, MAX(ts) AS last_seen_at
  FROM (
{{- range $i, $s := .Links}}
    {{if $i}}UNION ALL {{end}}SELECT {{.First}} AS a, n{{.N}} AS b, ts, {{str .Source}} AS source
    FROM {{work .Table}} WHERE n{{.N}} IS NOT NULL AND n{{.N}} <> {{.First}}
{{- else}}
    SELECT {{cast "NULL" "int64"}} AS a, {{cast "NULL" "int64"}} AS b, {{cast "NULL" "timestamp"}} AS ts, {{cast "NULL" "text"}} AS source
    WHERE 1 = 0
{{- end}}
  ) e
  GROUP BY LEAST(a, b), GREATEST(a, b), source
{{- if .Overrides}}
  UNION ALL
  SELECT a, b, {{str "override"}} AS source, 0 AS n, {{cast "NULL" "timestamp"}} AS first_seen_at, {{cast "NULL" "timestamp"}} AS last_seen_at
  FROM {{work "ovr_edges"}}
{{- end}}
) per_source
GROUP BY a, b
