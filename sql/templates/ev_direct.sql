{{/* ev_direct: the direct evidence of the anonymous identifiers (id type in Types): per anonymous identifier
     and known profile of Groups that it shares rows with (edges), the rows shared and the first and last time. */}}
SELECT e.x AS node_id, g.grp, {{cast "SUM(e.row_count)" "int64"}} AS row_count,
  MIN(e.first_seen_at) AS first_seen_at, MAX(e.last_seen_at) AS last_seen_at
FROM (
  SELECT a AS x, b AS y, row_count, first_seen_at, last_seen_at FROM {{work "edges"}}
  UNION ALL SELECT b AS x, a AS y, row_count, first_seen_at, last_seen_at FROM {{work "edges"}}
) e
JOIN {{work "nodes"}} n ON e.x = n.node_id
JOIN {{work .Groups}} g ON e.y = g.node_id
WHERE n.id_type IN ({{range $i, $t := .Types}}{{if $i}}, {{end}}{{str $t}}{{end}})
GROUP BY e.x, g.grp
