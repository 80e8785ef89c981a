SELECT
  (SELECT COUNT(*) FROM {{work "assign"}}) AS nodes,
  (SELECT COUNT(*) FROM {{next "id_edges"}}) AS edges,
  COUNT(*) AS components,
  COALESCE(MAX(size), 0) AS largest
FROM (SELECT component, COUNT(*) AS size FROM {{work "assign"}} GROUP BY component) c
