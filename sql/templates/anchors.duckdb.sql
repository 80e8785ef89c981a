{{/* anchors: per component of assign, the anchor (earliest first_seen_at, then type_rank, then value) and its
     universal_id (md5 of Salt, type, value). DuckDB has its own file: one arg_min over a struct key is
     faster. With Scope, the value is qualified by scope or pool, and the profile's pool comes with it. */}}
SELECT component, anchor.id_type AS anchor_type, anchor.id_value AS anchor_value,
  {{md5 (concat (str .Salt) "'|'" "anchor.id_type" "'|'" "anchor.id_value")}} AS universal_id
{{- if .Scope}},
  {{if .Scope.Local}}CASE WHEN anchor.id_type IN ({{range $i, $l := .Scope.Local}}{{if $i}}, {{end}}{{str $l}}{{end}}) THEN CASE {{qualifier "anchor.id_value"}}{{range .Scope.Scopes}} WHEN {{str .Scope}} THEN {{str .Pool}}{{end}} END ELSE {{qualifier "anchor.id_value"}} END{{else}}{{qualifier "anchor.id_value"}}{{end}} AS pool
{{- end}}
FROM (
  SELECT component,
    arg_min({id_type: id_type, id_value: id_value}, (COALESCE(first_seen_at, TIMESTAMP '9999-12-31'), type_rank, id_value)) AS anchor
  FROM {{work "assign"}}
  GROUP BY component
) a
