{{/* cc_map: round Salt of contraction: every node of the edges Edges picks the neighbour (or itself) whose
     priority hash is smallest. */}}
SELECT v, {{minby "u" (priority "u" .Salt)}} AS rep
FROM (
  SELECT a AS v, b AS u FROM {{work .Edges}}
  UNION ALL SELECT b AS v, a AS u FROM {{work .Edges}}
  UNION ALL SELECT a AS v, a AS u FROM {{work .Edges}}
  UNION ALL SELECT b AS v, b AS u FROM {{work .Edges}}
) n
GROUP BY v
