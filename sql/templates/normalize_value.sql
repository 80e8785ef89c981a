{{/* normalize_value: bind parameter 1 normalized as its id type is, and the reason a run would quarantine
     it (NULL when it would not). */}}
SELECT v, {{if .Checks}}CASE WHEN v IS NULL THEN NULL{{range .Checks}} WHEN {{.Cond}} THEN {{str .Reason}}{{end}} END{{else}}{{cast "NULL" "text"}}{{end}} FROM (SELECT NULLIF({{.Normalized}}, '') AS v FROM (SELECT {{cast (ph 1) "text"}} AS r) r) n
