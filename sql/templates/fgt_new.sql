{{/* fgt_new: every pending forget request, its value normalized as its id type says (Types, with A the
     normalized id_value), the salted hash forget_audit keeps (Salt), and the problem that keeps an invalid
     one from being carried out; latest = 1 on the latest valid request of each identifier, which decides
     between forget and withdraw. */}}
SELECT request_id, action, id_type, id_value, requested_at, value_hash, problem,
  CASE WHEN problem IS NULL AND ROW_NUMBER() OVER (PARTITION BY problem, value_hash ORDER BY requested_at DESC NULLS LAST, request_id DESC) = 1 THEN 1 ELSE 0 END AS latest
FROM (
  SELECT request_id, action, id_type, id_value, requested_at,
    CASE WHEN id_value IS NULL THEN NULL ELSE {{md5 (concat (str .Salt) "'|forget|'" "id_type" "'|'" "id_value")}} END AS value_hash,
    CASE
      WHEN request_id IS NULL THEN 'request_id is empty'
      WHEN action IS NULL OR action NOT IN ('forget', 'withdraw') THEN 'action must be forget or withdraw'
      WHEN id_type IS NULL OR id_type NOT IN ({{range $i, $t := .Types}}{{if $i}}, {{end}}{{str $t.Name}}{{end}}) THEN 'id_type names no id type of the project'
      WHEN id_value IS NULL THEN 'id_value is empty after normalization'
    END AS problem
  FROM (
    SELECT request_id, action, id_type, requested_at,
      NULLIF(CASE id_type{{range .Types}} WHEN {{str .Name}} THEN {{.A}}{{end}} END, '') AS id_value
    FROM {{out "forget_requests"}}
  ) r
) h
