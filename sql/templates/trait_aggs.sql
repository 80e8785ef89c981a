{{/* trait_aggs: per universal id, the aggregate Agg of each trait of Traits over the rows of Rows that belong
     to a profile. */}}
SELECT universal_id
{{- range .Traits}},
  {{.Agg}} AS {{q .Name}}
{{- end}}
FROM {{work .Rows}}
WHERE universal_id IS NOT NULL
GROUP BY universal_id
