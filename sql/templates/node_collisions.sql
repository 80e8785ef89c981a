SELECT COUNT(*) FROM (
  SELECT node_id FROM {{work "nodes"}} GROUP BY node_id HAVING COUNT(*) > 1
) c
