{{/* inc_qvalues: invalid and blocked values counted over all rows: the stored counts Stored plus or minus
     (Sign) the counts of each query of Parts, kept when above zero. */}}
SELECT id_type, id_value, reason, {{cast "SUM(evidence)" "int64"}} AS evidence
FROM (
  SELECT id_type, id_value, reason, evidence FROM {{.Stored}}
{{- range .Parts}}
  UNION ALL SELECT id_type, id_value, reason, {{.Sign}}evidence FROM ({{.SQL}}) p{{.N}}
{{- end}}
) q
GROUP BY id_type, id_value, reason
HAVING SUM(evidence) > 0
