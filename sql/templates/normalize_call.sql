{{/* normalize_call: the values bound of Items, one row each (pos, from 0), normalized as its id type is, with the
     reason a run would quarantine it (NULL when it would not): the identifiers of one identify call in one query
     (no rows for no items). */}}
{{- range $i, $it := .Items}}{{if $i}}
UNION ALL{{end}}
SELECT {{$i}} AS pos, v, {{if $it.Checks}}CASE WHEN v IS NULL THEN NULL{{range $it.Checks}} WHEN {{.Cond}} THEN {{str .Reason}}{{end}} END{{else}}{{cast "NULL" "text"}}{{end}} AS reason
FROM (SELECT NULLIF({{$it.Normalized}}, '') AS v FROM (SELECT {{cast (ph $it.Param) "text"}} AS r) x) n
{{- else}}
SELECT e.pos, e.v, e.reason FROM (SELECT 0 AS pos, {{cast "NULL" "text"}} AS v, {{cast "NULL" "text"}} AS reason) e WHERE e.pos < 0
{{- end}}
