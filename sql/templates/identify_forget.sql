{{/* identify_forget: wipes from the landing table Table the values of id type Name forgotten now (fgt_new), in its
     column Column (normalized: A) and as the identifier a call was answered for. */}}
UPDATE {{.Table}} SET
  {{q .Column}} = CASE WHEN {{.A}} IN (SELECT f.id_value FROM {{work "fgt_new"}} f WHERE f.id_type = {{str .Name}} AND f.action = 'forget' AND f.latest = 1) THEN NULL ELSE {{q .Column}} END,
  answered_value = CASE WHEN answered_type = {{str .Name}} AND answered_value IN (SELECT f.id_value FROM {{work "fgt_new"}} f WHERE f.id_type = {{str .Name}} AND f.action = 'forget' AND f.latest = 1) THEN NULL ELSE answered_value END
WHERE {{.A}} IN (SELECT f.id_value FROM {{work "fgt_new"}} f WHERE f.id_type = {{str .Name}} AND f.action = 'forget' AND f.latest = 1)
  OR (answered_type = {{str .Name}} AND answered_value IN (SELECT f.id_value FROM {{work "fgt_new"}} f WHERE f.id_type = {{str .Name}} AND f.action = 'forget' AND f.latest = 1))
