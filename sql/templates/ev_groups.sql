{{/* ev_groups: the final partition: the known profiles of Groups; the anonymous identifiers that Seen placed in
     a profile, in it; and every other anonymous identifier of nodes (Types, less hubs with Hubs) that Seen has not
     decided: alone when its region (Regions) holds a decided identifier, else with its whole region, an
     anonymous visitor who never signed in. The ambiguous ones (grp NULL in Seen) are left out. */}}
SELECT node_id, grp FROM {{work .Groups}}
UNION ALL
SELECT node_id, grp FROM {{work .Seen}} WHERE grp IS NOT NULL
UNION ALL
SELECT n.node_id, CASE WHEN t.region IS NULL THEN COALESCE(r.component, n.node_id) ELSE n.node_id END AS grp
FROM {{work "nodes"}} n
LEFT JOIN {{work .Seen}} s ON n.node_id = s.node_id
LEFT JOIN {{work .Regions}} r ON n.node_id = r.node_id
LEFT JOIN (
  SELECT DISTINCT r2.component AS region
  FROM {{work .Regions}} r2 JOIN {{work .Seen}} d ON r2.node_id = d.node_id
) t ON r.component = t.region
WHERE s.node_id IS NULL
  AND n.id_type IN ({{range $i, $t := .Types}}{{if $i}}, {{end}}{{str $t}}{{end}})
{{- if .Hubs}}
  AND n.node_id NOT IN (SELECT node_id FROM {{work "hubs"}})
{{- end}}
