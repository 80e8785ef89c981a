{{/* normalize_value: bind parameter 1 normalized as its id type is, and the reason a run would quarantine
     it (NULL when it would not).
     BigQuery has its own file because GoogleSQL resolves a name to a table alias before a column: the value
     r must not come from a subquery aliased r, or r is the subquery's whole row. */}}
SELECT v, {{if .Checks}}CASE WHEN v IS NULL THEN NULL{{range .Checks}} WHEN {{.Cond}} THEN {{str .Reason}}{{end}} END{{else}}{{cast "NULL" "text"}}{{end}} FROM (SELECT NULLIF({{.Normalized}}, '') AS v FROM (SELECT {{cast (ph 1) "text"}} AS r) p) n
