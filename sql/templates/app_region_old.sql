{{/* app_region_old: the stored region (Regions) of each touched profile (old_id), with its group. Where no limit
     splits a region, a profile is a region; app_recheck finds those that are not. */}}
SELECT DISTINCT o.universal_id AS old_id, g.grp, r.region
FROM {{work "app_old"}} o
JOIN {{work "app_groups"}} g ON g.node_id = o.node_id
JOIN {{.Regions}} r ON r.node_id = o.node_id
