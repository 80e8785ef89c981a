{{/* ovr_counts: per profile, how many identifiers it holds of each limited type (Limits), for the detail of
     a refused always_link. The profiles of this run's graph; with Incremental also the published profiles
     of the identifiers outside the recomputed regions (ovr_published), which keep all their identifiers,
     so a refusal there names the limit just as a full rebuild does. */}}
SELECT universal_id{{range .Limits}},
  SUM(CASE WHEN id_type = {{str .Type}} THEN 1 ELSE 0 END) AS {{q .Column}}{{end}}
FROM {{work "graph"}}
GROUP BY universal_id
{{- if .Incremental}}
UNION ALL
SELECT universal_id{{range .Limits}},
  SUM(CASE WHEN id_type = {{str .Type}} THEN 1 ELSE 0 END) AS {{q .Column}}{{end}}
FROM {{out "id_graph"}}
WHERE universal_id IN (SELECT universal_id FROM {{work "ovr_published"}})
GROUP BY universal_id
{{- end}}
