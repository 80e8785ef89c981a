{{/* app_region_old: the stored region (Regions) of each touched profile, with its group. Without limits or a
     policy that splits components, a profile is a region. */}}
SELECT DISTINCT g.grp, r.region
FROM {{work "app_old"}} o
JOIN {{work "app_groups"}} g ON g.node_id = o.node_id
JOIN {{.Regions}} r ON r.node_id = o.node_id
