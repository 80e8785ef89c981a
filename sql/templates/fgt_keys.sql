{{/* fgt_keys: the node id and the universal id (the MD5 of Salt, type and value) that each identifier this run
     forgets can have: with Qualifiers (a project's scopes and pools), one of each per qualifier. */}}
{{- if .Qualifiers}}
{{- range $i, $q := .Qualifiers}}
{{if $i}}UNION ALL
{{end}}SELECT {{hash64 "id_type" (concat (str $q) "'|'" "id_value")}} AS node_id,
  {{md5 (concat (str $.Salt) "'|'" "id_type" "'|'" (concat (str $q) "'|'" "id_value"))}} AS universal_id
FROM {{work "fgt_new"}} WHERE latest = 1 AND action = 'forget'
{{- end}}
{{- else}}
SELECT {{hash64 "id_type" "id_value"}} AS node_id,
  {{md5 (concat (str .Salt) "'|'" "id_type" "'|'" "id_value")}} AS universal_id
FROM {{work "fgt_new"}} WHERE latest = 1 AND action = 'forget'
{{- end}}
