{{/* stitched_view: every row of a source (Table) with the universal id of its first identifier found in the
     published id_graph, each of Slots normalized as a run does (Value). With Scope, the identifiers are those
     of the row's scope (Local slots) or of its pool, and the row's scope and pool come as row_scope and
     row_pool (NULL for a row left out of the graph). With Forget, rows holding a value of forget_audit are
     left out. */}}
{{- define "scope"}}{{if .Column}}CASE {{cast .Column "text"}}{{range .Scopes}} WHEN {{str .Scope}} THEN {{str .Scope}}{{end}} ELSE {{if .Default}}{{str .Default}}{{else}}{{cast "NULL" "text"}}{{end}} END{{else}}{{cast (str .Fixed) "text"}}{{end}}{{end -}}
{{- define "pool"}}CASE {{template "scope" .}}{{range .Scopes}} WHEN {{str .Scope}} THEN {{str .Pool}}{{end}} END{{end}}
SELECT s.*, COALESCE({{range .Slots}}g{{.N}}.universal_id, {{end}}{{cast "NULL" "text"}}) AS universal_id
{{- with .Scope}},
  {{template "scope" .}} AS row_scope,
  {{template "pool" .}} AS row_pool
{{- end}}
FROM {{.Table}} s
{{- range .Slots}}
LEFT JOIN {{out "id_graph"}} g{{.N}} ON g{{.N}}.id_type = {{str .Type}} AND g{{.N}}.id_value = {{.Value}}
{{- if $.Scope}}{{if .Local}} AND g{{.N}}.scope = {{template "scope" $.Scope}}{{else}} AND g{{.N}}.pool = {{template "pool" $.Scope}}{{end}}{{end}}
{{- end}}
{{- if .Forget}}
-- Rows holding a forgotten value are left out, as runs leave them out.
WHERE NOT EXISTS (
  SELECT 1 FROM {{out "forget_audit"}} f
  WHERE f.value_hash IN ({{range $i, $s := .Slots}}{{if $i}}, {{end}}{{md5 (concat (str $.Forget.Salt) "'|forget|'" (str .Type) "'|'" .Value)}}{{end}})
)
{{- end}}
