{{/* ovr_applied: stores in Table (the state) the valid never_link and always_link overrides this run read; with Forget,
     not those naming an identifier forgotten now. */}}
INSERT INTO {{.Table}} (kind, na, nb)
SELECT kind, na, nb FROM {{work "ovr"}} WHERE problem IS NULL AND kind IN ('never_link', 'always_link')
{{- if .Forget}}
  AND na NOT IN (SELECT node_id FROM {{work "fgt_keys"}}) AND nb NOT IN (SELECT node_id FROM {{work "fgt_keys"}})
{{- end}}
