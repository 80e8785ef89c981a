{{/* lp_round: one round of label propagation: every node takes the smallest label among itself and its
     neighbours in Edges, from the last round Prev. */}}
SELECT v, MIN(label) AS label
FROM (
  SELECT v, label FROM {{work .Prev}}
  UNION ALL SELECT e.a AS v, l.label FROM {{work .Edges}} e JOIN {{work .Prev}} l ON e.b = l.v
  UNION ALL SELECT e.b AS v, l.label FROM {{work .Edges}} e JOIN {{work .Prev}} l ON e.a = l.v
) c
GROUP BY v
