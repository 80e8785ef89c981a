{{/* app_regions: the regions rows an append-only batch writes: its identifiers, and every identifier of an old
     region whose label changes, with the group's label (app_labels). */}}
SELECT g.node_id, l.region, n.id_type
FROM {{work "app_groups"}} g
JOIN {{work "app_labels"}} l ON l.grp = g.grp
JOIN {{work "nodes"}} n ON n.node_id = g.node_id
UNION ALL
SELECT r.node_id, l.region, r.id_type
FROM {{.Regions}} r
JOIN {{work "app_region_old"}} o ON r.region = o.region
JOIN {{work "app_labels"}} l ON l.grp = o.grp
WHERE o.region <> l.region AND r.node_id NOT IN (SELECT node_id FROM {{work "nodes"}})
