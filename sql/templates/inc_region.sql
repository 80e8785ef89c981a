{{/* inc_region: every identifier of the stored regions Regions that hold a seed (seeds), and the seeds
     themselves; with Hubs, less the hubs, which belong to no region. */}}
SELECT DISTINCT node_id FROM (
  SELECT node_id FROM {{.Regions}}
  WHERE region IN (
    SELECT r.region FROM {{.Regions}} r JOIN {{work "seeds"}} s ON r.node_id = s.node_id
  )
  UNION ALL
  SELECT node_id FROM {{work "seeds"}}
) n
{{- if .Hubs}}
-- A hub's rows span many regions: it is in none, and its rows come in only through the others.
WHERE node_id NOT IN (SELECT node_id FROM {{work "hubs"}})
{{- end}}
