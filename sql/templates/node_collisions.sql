{{/* node_collisions: the number of node ids that nodes gives to more than one identifier; it must be 0, or
     two identifiers would be merged. */}}
SELECT COUNT(*) FROM (
  SELECT node_id FROM {{work "nodes"}} GROUP BY node_id HAVING COUNT(*) > 1
) c
