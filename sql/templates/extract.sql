{{/* extract: a source's rows from Table (TS, Filter, Window), or with Stored its stored rows matching
     StoredWhere: ts, the inputs of Traits and, per slot of Slots, value, check result and node id. With
     Scope, each row's scope sc and pool pl too, the node id hashes the slot's Value (its value qualified
     by scope or pool), and rows without a declared scope are left out. */}}
SELECT
  ts
{{- if .Scope}},
  sc,
  pl
{{- end}}
{{- range .Traits}},
  t{{.N}},
  f{{.N}}
{{- end}}
{{- range .Slots}},
  v{{.N}},
  q{{.N}},
  CASE WHEN v{{.N}} IS NULL OR q{{.N}} IS NOT NULL THEN NULL ELSE {{hash64 (str .Type) .Value}} END AS n{{.N}}
{{- end}}
FROM (
  SELECT
    ts
{{- if .Scope}},
    sc,
    CASE sc{{range .Scope.Scopes}} WHEN {{str .Scope}} THEN {{str .Pool}}{{end}} END AS pl
{{- end}}
{{- range .Traits}},
    t{{.N}},
    f{{.N}}
{{- end}}
{{- range .Slots}},
    v{{.N}},
{{- if .Checks}}
    CASE WHEN v{{.N}} IS NULL THEN NULL{{range .Checks}} WHEN {{.Cond}} THEN {{str .Reason}}{{end}} END AS q{{.N}}
{{- else}}
    {{cast "NULL" "text"}} AS q{{.N}}
{{- end}}
{{- end}}
  FROM (
{{- if .Stored}}
    SELECT ts{{if .Scope}}, sc{{end}}{{range .Traits}}, t{{.N}}, f{{.N}}{{end}}{{range .Slots}}, v{{.N}}{{end}}
    FROM {{.Stored}}
    WHERE {{.StoredWhere}}
{{- else}}
    SELECT
      ts
{{- if .Scope}},
      sc
{{- end}}
{{- range .Traits}},
      t{{.N}},
      f{{.N}}
{{- end}}
{{- range .Slots}},
      NULLIF({{.Normalized}}, '') AS v{{.N}}
{{- end}}
    FROM (
      SELECT
        {{if .TS}}{{cast .TS "timestamp"}}{{else}}{{cast "NULL" "timestamp"}}{{end}} AS ts
{{- with .Scope}},
{{- if .Column}}
        CASE {{cast .Column "text"}}{{range .Scopes}} WHEN {{str .Scope}} THEN {{str .Scope}}{{end}} ELSE {{if .Default}}{{str .Default}}{{else}}{{cast "NULL" "text"}}{{end}} END AS sc
{{- else}}
        {{cast (str .Fixed) "text"}} AS sc
{{- end}}
{{- end}}
{{- range .Traits}},
        {{.Value}} AS t{{.N}},
        {{.Flag}} AS f{{.N}}
{{- end}}
{{- range .Slots}},
        NULLIF({{cast .Expr "text"}}, '') AS r{{.N}}
{{- end}}
      FROM {{.Table}}
{{- if and .Filter .Window}}
      WHERE ({{.Filter}}) AND {{.Window}}
{{- else if .Filter}}
      WHERE ({{.Filter}})
{{- else if .Window}}
      WHERE {{.Window}}
{{- end}}
    ) r
{{- end}}
  ) v
) s
{{- if or .Scope .Forget}}
WHERE {{if .Scope}}sc IS NOT NULL{{end}}{{if and .Scope .Forget}} AND {{end}}
{{- if .Forget}}NOT ({{range $i, $s := .Slots}}{{if $i}} OR {{end}}(v{{.N}} IS NOT NULL AND {{md5 (concat (str $.Forget.Salt) "'|forget|'" (str .Type) "'|'" (print "v" .N))}} IN (SELECT value_hash FROM {{work "fgt_hashes"}})){{end}}){{end}}
{{- end}}
