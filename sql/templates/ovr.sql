{{/* ovr: every row of the overrides table, each identifier normalized as its id type says (Types: per id
     type, the normalized value of id_value_a as A and of id_value_b as B) with its node id, and the problem
     that keeps an invalid row from applying (NULL when it is valid). In a project with scopes, values are written
     qualified, and each identifier's pool (pa, pb: PoolA and PoolB, from ovr_pool) is that of its qualifier. */}}
SELECT override_id, kind, id_type_a, va, id_type_b, vb,
  CASE WHEN va IS NULL THEN NULL ELSE {{hash64 "id_type_a" "va"}} END AS na,
  CASE WHEN vb IS NULL THEN NULL ELSE {{hash64 "id_type_b" "vb"}} END AS nb,
  CASE
    WHEN override_id IS NULL THEN 'override_id is empty'
    WHEN copies > 1 THEN 'override_id names more than one row'
    WHEN kind IS NULL OR kind NOT IN ('never_link', 'always_link', 'block', 'unblock') THEN 'kind must be never_link, always_link, block or unblock'
    WHEN id_type_a IS NULL OR id_type_a NOT IN ({{range $i, $t := .Types}}{{if $i}}, {{end}}{{str $t.Name}}{{end}}) THEN 'id_type_a names no id type of the project'
    WHEN va IS NULL THEN 'id_value_a is empty after normalization'
    WHEN kind IN ('block', 'unblock') AND (id_type_b IS NOT NULL OR id_value_b IS NOT NULL) THEN 'block and unblock name one identifier: leave id_type_b and id_value_b empty'
    WHEN kind IN ('block', 'unblock') THEN NULL
{{- if .PoolA}}
    WHEN {{bare "va"}} = va THEN 'in a project with scopes, id_value_a is written qualified, as id_graph keys it: scope|value or pool|value'
{{- end}}
    WHEN id_type_b IS NULL OR id_type_b NOT IN ({{range $i, $t := .Types}}{{if $i}}, {{end}}{{str $t.Name}}{{end}}) THEN 'id_type_b names no id type of the project'
    WHEN vb IS NULL THEN 'id_value_b is empty after normalization'
{{- if .PoolB}}
    WHEN {{bare "vb"}} = vb THEN 'in a project with scopes, id_value_b is written qualified, as id_graph keys it: scope|value or pool|value'
{{- end}}
    WHEN id_type_a = id_type_b AND va = vb THEN 'a and b are the same identifier'
  END AS problem
{{- if .PoolA}},
  {{.PoolA}} AS pa,
  {{.PoolB}} AS pb
{{- end}}
FROM (
  SELECT override_id, kind, id_type_a, id_type_b, id_value_b, COUNT(*) OVER (PARTITION BY override_id) AS copies,
    NULLIF(CASE id_type_a{{range .Types}} WHEN {{str .Name}} THEN {{.A}}{{end}} END, '') AS va,
    NULLIF(CASE id_type_b{{range .Types}} WHEN {{str .Name}} THEN {{.B}}{{end}} END, '') AS vb
  FROM {{out "overrides"}}
) o
