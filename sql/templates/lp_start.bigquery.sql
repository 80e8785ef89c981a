{{/* lp_start: the start of label propagation: every node of the edges Edges, once, labelled with itself.
     BigQuery has its own file because GoogleSQL rejects a bare UNION and needs UNION DISTINCT. */}}
SELECT v, v AS label FROM (
  SELECT a AS v FROM {{work .Edges}}
  UNION DISTINCT SELECT b AS v FROM {{work .Edges}}
) n
