{{/* anon_touch: per anonymous cluster of anon_clusters, the number of distinct known profiles of Groups that
     its edges reach, and the smallest of them. */}}
SELECT c.cluster, COUNT(DISTINCT g.grp) AS profiles, MIN(g.grp) AS grp
FROM (
  SELECT a AS x, b AS y FROM {{work "edges"}}
  UNION ALL SELECT b AS x, a AS y FROM {{work "edges"}}
) e
JOIN {{work "anon_clusters"}} c ON e.x = c.node_id
JOIN {{work .Groups}} g ON e.y = g.node_id
GROUP BY c.cluster
