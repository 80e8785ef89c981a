{{/* lp_start: the start of label propagation: every node of the edges Edges, once, labelled with itself. */}}
SELECT v, v AS label FROM (
  SELECT a AS v FROM {{work .Edges}}
  UNION SELECT b AS v FROM {{work .Edges}}
) n
