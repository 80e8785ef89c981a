{{/* app_labels: each group's region label, its smallest node id as a full run labels it: the smallest of its
     old regions' labels (each its region's smallest node id) and its new identifiers' node ids. */}}
SELECT grp, MIN(region) AS region
FROM (
  SELECT grp, region FROM {{work "app_region_old"}}
  UNION ALL
  SELECT grp, node_id AS region FROM {{work "app_groups"}} WHERE node_id NOT IN (SELECT node_id FROM {{work "app_old"}})
) r
GROUP BY grp
