{{/* anon_isolated: the anonymous identifiers whose cluster touches more than one known profile, with that
     number of profiles, from anon_clusters and anon_touch. */}}
SELECT c.node_id, t.profiles
FROM {{work "anon_clusters"}} c
JOIN {{work "anon_touch"}} t ON c.cluster = t.cluster
WHERE t.profiles > 1
