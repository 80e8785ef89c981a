{{/* nl_seed: the anchors of a never_link split: both identifiers of every valid never_link whose group in
     Groups holds both, each its own anchor. */}}
SELECT DISTINCT node, node AS anchor, 0 AS anchors
FROM (
  SELECT o.na AS node, o.nb AS other FROM {{work "ovr"}} o
  JOIN {{work .Groups}} ga ON o.na = ga.node_id
  JOIN {{work .Groups}} gb ON o.nb = gb.node_id
  WHERE o.problem IS NULL AND o.kind = 'never_link' AND ga.grp = gb.grp
  UNION ALL
  SELECT o.nb AS node, o.na AS other FROM {{work "ovr"}} o
  JOIN {{work .Groups}} ga ON o.na = ga.node_id
  JOIN {{work .Groups}} gb ON o.nb = gb.node_id
  WHERE o.problem IS NULL AND o.kind = 'never_link' AND ga.grp = gb.grp
) s
