{{/* edges: the links from each row's first identifier to its other identifiers (Links), per pair with
     row_count, first and last seen and its sources, comma-separated in the order of Sources (bytewise: the
     sources of Links, and override with Overrides); with Overrides, the links of always_link overrides
     (ovr_edges) too, with no rows. One aggregation with a flag per source: a second aggregation over each
     pair's sources, with a sorted string aggregate, cost more than twice as much on DuckDB. */}}
{{- $sources := "''"}}{{range $j, $name := .Sources}}{{$sources = concat $sources (print "CASE WHEN s" $j " = 1 THEN " (str (print "," $name)) " ELSE '' END")}}{{end}}
SELECT a, b, row_count, first_seen_at, last_seen_at, SUBSTR({{$sources}}, 2) AS sources
FROM (
  SELECT LEAST(a, b) AS a, GREATEST(a, b) AS b, {{if .Overrides}}{{cast "SUM(n)" "int64"}}{{else}}{{cast "COUNT(*)" "int64"}}{{end}} AS row_count,
    MIN(ts) AS first_seen_at, MAX(ts) AS last_seen_at{{range $j, $_ := .Sources}}, MAX(s{{$j}}) AS s{{$j}}{{end}}
  FROM (
{{- range $i, $l := .Links}}
    {{if $i}}UNION ALL {{end}}SELECT {{.First}} AS a, n{{.N}} AS b, ts{{if $.Overrides}}, 1 AS n{{end}}{{range $j, $s := $.Sources}}, {{if eq $s $l.Source}}1{{else}}0{{end}} AS s{{$j}}{{end}}
    FROM {{work .Table}} WHERE n{{.N}} IS NOT NULL AND n{{.N}} <> {{.First}}
{{- end}}
{{- if .Overrides}}
    {{if .Links}}UNION ALL {{end}}SELECT a, b, {{cast "NULL" "timestamp"}} AS ts, 0 AS n{{range $j, $s := .Sources}}, {{if eq $s "override"}}1{{else}}0{{end}} AS s{{$j}}{{end}}
    FROM {{work "ovr_edges"}}
{{- else if not .Links}}
    SELECT {{cast "NULL" "int64"}} AS a, {{cast "NULL" "int64"}} AS b, {{cast "NULL" "timestamp"}} AS ts
    WHERE 1 = 0
{{- end}}
  ) e
  GROUP BY LEAST(a, b), GREATEST(a, b)
) g
