{{/* ev_front: ring Ring: the anonymous identifiers that Seen has not decided, linked (ev_links) to one that
     Front placed in a profile: each in that profile when all such neighbours agree, else in none (grp NULL:
     ambiguous), with the number of profiles and the number of those neighbours as the evidence. */}}
SELECT l.y AS node_id, CASE WHEN COUNT(DISTINCT f.grp) = 1 THEN MIN(f.grp) END AS grp,
  COUNT(DISTINCT f.grp) AS profiles, COUNT(*) AS evidence, {{.Ring}} AS ring
FROM {{work "ev_links"}} l
JOIN {{work .Front}} f ON l.x = f.node_id
LEFT JOIN {{work .Seen}} s ON l.y = s.node_id
WHERE f.grp IS NOT NULL AND s.node_id IS NULL
GROUP BY l.y
