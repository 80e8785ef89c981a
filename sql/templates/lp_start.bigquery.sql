SELECT v, v AS label FROM (
  SELECT a AS v FROM {{work .Edges}}
  UNION DISTINCT SELECT b AS v FROM {{work .Edges}}
) n
