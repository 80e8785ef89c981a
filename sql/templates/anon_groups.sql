SELECT node_id, grp FROM {{work .Groups}}
UNION ALL
SELECT c.node_id, COALESCE(t.grp, c.cluster) AS grp
FROM {{work "anon_clusters"}} c
LEFT JOIN {{work "anon_touch"}} t ON c.cluster = t.cluster
WHERE COALESCE(t.profiles, 0) <= 1
