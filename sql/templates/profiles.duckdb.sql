{{/* profiles: per component of assign, the universal_id (anchors), first and last seen, identifiers and per
     type of Types <type>_count and latest_<type> (with Scope, the pool, and bare values). DuckDB has its own file: one pass of FILTER and arg_max is
     faster. */}}
SELECT a.universal_id{{if .Scope}}, a.pool{{end}}, p.first_seen_at, p.last_seen_at, p.identifiers
{{- range .Types}}, p.{{q (print . "_count")}}, {{if $.Scope}}{{bare (print "p." (q (print "latest_" .)))}} AS {{q (print "latest_" .)}}{{else}}p.{{q (print "latest_" .)}}{{end}}{{end}}
FROM (
  SELECT component,
    MIN(first_seen_at) AS first_seen_at,
    MAX(last_seen_at) AS last_seen_at,
    COUNT(*) AS identifiers
{{- range .Types}},
    COUNT(*) FILTER (WHERE id_type = {{str .}}) AS {{q (print . "_count")}},
    arg_max(id_value, (COALESCE(last_seen_at, TIMESTAMP '0001-01-01'), id_value)) FILTER (WHERE id_type = {{str .}}) AS {{q (print "latest_" .)}}
{{- end}}
  FROM {{work "assign"}}
  GROUP BY component
) p
JOIN {{work "anchors"}} a ON p.component = a.component
