{{/* ovr_pool: the pool of an override's identifier (id type Type, qualified value Value) in a project with
     scopes (Scope): its qualifier for a shared type, the pool of its qualifier's scope for a local one; NULL
     for a value written without a qualifier. */}}
CASE WHEN {{bare .Value}} = {{.Value}} THEN NULL ELSE
{{- if .Scope.Local}} CASE WHEN {{.Type}} IN ({{range $i, $l := .Scope.Local}}{{if $i}}, {{end}}{{str $l}}{{end}}) THEN CASE {{qualifier .Value}}{{range .Scope.Scopes}} WHEN {{str .Scope}} THEN {{str .Pool}}{{end}} END ELSE {{qualifier .Value}} END{{else}} {{qualifier .Value}}{{end}} END
