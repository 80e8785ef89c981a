{{/* inc_qvalues: invalid and blocked values counted over all rows: the stored counts Stored plus or minus
     (Sign) the counts of each query of Parts, kept when above zero.
     BigQuery has its own file because GoogleSQL resolves a name in HAVING to the SELECT list's alias first: the
     evidence summed must be named by its table q, or it is the aggregate itself. */}}
SELECT id_type, id_value, reason, {{cast "SUM(evidence)" "int64"}} AS evidence
FROM (
  SELECT id_type, id_value, reason, evidence FROM {{.Stored}}
{{- range .Parts}}
  UNION ALL SELECT id_type, id_value, reason, {{.Sign}}evidence FROM ({{.SQL}}) p{{.N}}
{{- end}}
) q
GROUP BY id_type, id_value, reason
HAVING SUM(q.evidence) > 0
