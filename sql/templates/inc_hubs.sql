{{/* inc_hubs: every hub after an incremental run, with degree, type and value: the stored hubs Stored not in
     Touched, plus those of Touched that the query Degrees finds. */}}
SELECT node_id, degree, id_type, id_value FROM {{.Stored}}
WHERE node_id NOT IN (SELECT node_id FROM {{work .Touched}})
UNION ALL
SELECT h.node_id, h.degree, t.id_type, t.id_value
FROM (
{{.Degrees}}
) h
JOIN {{work .Touched}} t ON h.node_id = t.node_id
