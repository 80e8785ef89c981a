{{/* hubs: the identifiers with more distinct partners than their type's max_degree, counted over the slot
     pairs Pairs of the sources' rows, with their degree. */}}
SELECT node_id, degree
FROM (
  SELECT node AS node_id, max_degree, COUNT(DISTINCT other) AS degree
  FROM (
{{- range $i, $p := .Pairs}}
    {{if $i}}UNION ALL {{end}}SELECT n{{.I}} AS node, n{{.J}} AS other, {{.MaxDegree}} AS max_degree
    FROM {{work .Table}} WHERE n{{.I}} IS NOT NULL AND n{{.J}} IS NOT NULL AND n{{.I}} <> n{{.J}}
{{- end}}
  ) p
  GROUP BY node, max_degree
) d
WHERE degree > max_degree
