{{/* audience_members: per audience of Audiences, the universal ids of Profiles whose flag is true, keeping
     the entered_at of the published members; with Keep, plus the published members not in Keep. */}}
SELECT m.audience, m.universal_id, COALESCE(prev.entered_at, {{cast (now) "timestamp"}}) AS entered_at
FROM (
{{- range $i, $a := .Audiences}}
  {{if $i}}UNION ALL {{end}}SELECT {{str .Name}} AS audience, universal_id FROM {{$.Profiles}} WHERE {{q .Name}}
{{- else}}
  SELECT {{cast "NULL" "text"}} AS audience, {{cast "NULL" "text"}} AS universal_id FROM {{.Profiles}} WHERE 1 = 0
{{- end}}
) m
LEFT JOIN {{out "audience_members"}} prev ON prev.audience = m.audience AND prev.universal_id = m.universal_id
{{- if .Keep}}
UNION ALL
SELECT audience, universal_id, entered_at FROM {{out "audience_members"}}
WHERE universal_id NOT IN (SELECT universal_id FROM {{work .Keep}})
{{- end}}
