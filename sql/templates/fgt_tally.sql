{{/* fgt_tally: (name, count) rows for the run's summary: identifiers forgotten and withdrawn, invalid requests,
     and the stored rows removed (Rows, the fgt_rows table of each source). */}}
SELECT 'forgotten_identifiers' AS name, {{cast "COALESCE(SUM(CASE WHEN latest = 1 AND action = 'forget' THEN 1 ELSE 0 END), 0)" "int64"}} AS n FROM {{work "fgt_new"}}
UNION ALL
SELECT 'forget_withdrawn' AS name, {{cast "COALESCE(SUM(CASE WHEN latest = 1 AND action = 'withdraw' THEN 1 ELSE 0 END), 0)" "int64"}} AS n FROM {{work "fgt_new"}}
UNION ALL
SELECT 'forget_invalid' AS name, {{cast "COALESCE(SUM(CASE WHEN problem IS NOT NULL THEN 1 ELSE 0 END), 0)" "int64"}} AS n FROM {{work "fgt_new"}}
{{- range .Rows}}
UNION ALL
SELECT 'forgotten_rows' AS name, {{cast "COALESCE(SUM(n), 0)" "int64"}} AS n FROM {{work .}}
{{- end}}
