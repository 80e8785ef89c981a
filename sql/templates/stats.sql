{{/* stats: a full run's counts of identifiers, edges, components and the largest component's size, from
     assign and the id_edges about to be published. */}}
SELECT
  (SELECT COUNT(*) FROM {{work "assign"}}) AS nodes,
  (SELECT COUNT(*) FROM {{next "id_edges"}}) AS edges,
  COUNT(*) AS components,
  COALESCE(MAX(size), 0) AS largest
FROM (SELECT component, COUNT(*) AS size FROM {{work "assign"}} GROUP BY component) c
