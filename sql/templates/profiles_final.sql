{{/* profiles_final: profiles_base with a column per trait of Traits from its source's aggregates (Joins; 0
     when Zero) and a flag per audience of Audiences (Where). */}}
SELECT p.*
{{- range .Audiences}},
  CASE WHEN ({{.Where}}) THEN TRUE ELSE FALSE END AS {{q .Name}}
{{- end}}
FROM (
  SELECT b.*
{{- range .Traits}},
    {{if .Zero}}COALESCE({{.Table}}.{{q .Name}}, 0){{else}}{{.Table}}.{{q .Name}}{{end}} AS {{q .Name}}
{{- end}}
  FROM {{work "profiles_base"}} b
{{- range .Joins}}
  LEFT JOIN {{work .Table}} {{.Alias}} ON b.universal_id = {{.Alias}}.universal_id
{{- end}}
) p
