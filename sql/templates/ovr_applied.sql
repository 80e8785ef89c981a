{{/* ovr_applied: stores in Table (the state) the valid overrides this run read: never_link and always_link with
     both node ids, block and unblock with one; with Forget, not those naming an identifier forgotten now. */}}
INSERT INTO {{.Table}} (kind, na, nb)
SELECT kind, na, CASE WHEN kind IN ('block', 'unblock') THEN NULL ELSE nb END FROM {{work "ovr"}} WHERE problem IS NULL
{{- if .Forget}}
  AND na NOT IN (SELECT node_id FROM {{work "fgt_keys"}}) AND (nb IS NULL OR nb NOT IN (SELECT node_id FROM {{work "fgt_keys"}}))
{{- end}}
