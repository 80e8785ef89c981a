{{/* anon_groups: the final partition: the groups of Groups, plus each anonymous cluster (anon_clusters) in
     the one known profile it touches (anon_touch) or on its own; clusters touching several are left out. */}}
SELECT node_id, grp FROM {{work .Groups}}
UNION ALL
SELECT c.node_id, COALESCE(t.grp, c.cluster) AS grp
FROM {{work "anon_clusters"}} c
LEFT JOIN {{work "anon_touch"}} t ON c.cluster = t.cluster
WHERE COALESCE(t.profiles, 0) <= 1
