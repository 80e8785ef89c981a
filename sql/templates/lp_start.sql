SELECT v, v AS label FROM (
  SELECT a AS v FROM {{work "edges"}}
  UNION SELECT b AS v FROM {{work "edges"}}
) n
