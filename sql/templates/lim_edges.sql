{{/* lim_edges: the edges inside the groups of Groups that break the limit (Violating), both ways round, with
     row_count and last_seen_at. */}}
SELECT u, v, row_count, last_seen_at
FROM (
  SELECT e.a AS u, e.b AS v, e.row_count, e.last_seen_at, ga.grp AS gu, gb.grp AS gv
  FROM {{work "edges"}} e
  JOIN {{work .Groups}} ga ON e.a = ga.node_id
  JOIN {{work .Groups}} gb ON e.b = gb.node_id
  UNION ALL
  SELECT e.b AS u, e.a AS v, e.row_count, e.last_seen_at, gb.grp AS gu, ga.grp AS gv
  FROM {{work "edges"}} e
  JOIN {{work .Groups}} ga ON e.a = ga.node_id
  JOIN {{work .Groups}} gb ON e.b = gb.node_id
) d
WHERE gu = gv AND gu IN (SELECT grp FROM {{work .Violating}})
