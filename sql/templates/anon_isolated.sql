SELECT c.node_id, t.profiles
FROM {{work "anon_clusters"}} c
JOIN {{work "anon_touch"}} t ON c.cluster = t.cluster
WHERE t.profiles > 1
