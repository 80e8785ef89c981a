SELECT DISTINCT node_id, id_value FROM (
  SELECT node_id, id_value FROM {{.Regions}}
  WHERE region IN (
    SELECT r.region FROM {{.Regions}} r JOIN {{work "seeds"}} s ON r.node_id = s.node_id
  )
  UNION ALL
  SELECT s.node_id, t.id_value FROM {{work "seeds"}} s JOIN {{work .Named}} t ON s.node_id = t.node_id
) n
{{- if .Hubs}}
-- A hub's rows span many regions: it is in none, and its rows come in only through the others.
WHERE node_id NOT IN (SELECT node_id FROM {{work "hubs"}})
{{- end}}
