{{/* ovr_counts: per profile of this run's graph, how many identifiers it holds of each limited type (Limits),
     for the detail of a refused always_link. */}}
SELECT universal_id{{range .Limits}},
  SUM(CASE WHEN id_type = {{str .Type}} THEN 1 ELSE 0 END) AS {{q .Column}}{{end}}
FROM {{work "graph"}}
GROUP BY universal_id
