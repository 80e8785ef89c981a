{{/* anchors: per component of assign, the anchor identifier (earliest first_seen_at, then type_rank, then
     bytewise value) and its universal_id, the md5 of Salt, id type and value (with Scope, the value
     qualified by scope or pool, and the profile's pool). */}}
SELECT component, id_type AS anchor_type, id_value AS anchor_value,
  {{md5 (concat (str .Salt) "'|'" "id_type" "'|'" "id_value")}} AS universal_id
{{- if .Scope}},
  {{if .Scope.Local}}CASE WHEN id_type IN ({{range $i, $l := .Scope.Local}}{{if $i}}, {{end}}{{str $l}}{{end}}) THEN CASE {{qualifier "id_value"}}{{range .Scope.Scopes}} WHEN {{str .Scope}} THEN {{str .Pool}}{{end}} END ELSE {{qualifier "id_value"}} END{{else}}{{qualifier "id_value"}}{{end}} AS pool
{{- end}}
FROM (
  SELECT component, id_type, id_value,
    ROW_NUMBER() OVER (PARTITION BY component ORDER BY first_seen_at ASC NULLS LAST, type_rank, {{bytewise "id_value"}}) AS pos
  FROM {{work "assign"}}
) a
WHERE pos = 1
