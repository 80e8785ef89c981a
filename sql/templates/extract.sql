{{/* extract: a source's rows from Table (TS, Filter, Window), or with Stored its stored rows matching
     StoredWhere: ts, the inputs of Traits and, per slot of Slots, value, check result and node id. */}}
SELECT
  ts
{{- range .Traits}},
  t{{.N}},
  f{{.N}}
{{- end}}
{{- range .Slots}},
  v{{.N}},
  q{{.N}},
  CASE WHEN v{{.N}} IS NULL OR q{{.N}} IS NOT NULL THEN NULL ELSE {{hash64 (str .Type) (print "v" .N)}} END AS n{{.N}}
{{- end}}
FROM (
  SELECT
    ts
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
    SELECT ts{{range .Traits}}, t{{.N}}, f{{.N}}{{end}}{{range .Slots}}, v{{.N}}{{end}}
    FROM {{.Stored}}
    WHERE {{.StoredWhere}}
{{- else}}
    SELECT
      ts
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
