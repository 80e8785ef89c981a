{{/* lim_groups: the partition after a limit split: groups not in Violating stay, identifiers reached (Seen)
     take their anchor, the rest of each group stays together; conflicts are left out. */}}
SELECT node_id,
  CASE
    WHEN violating = 0 THEN grp
    WHEN anchor IS NOT NULL THEN anchor
    ELSE MIN(CASE WHEN anchor IS NULL THEN node_id END) OVER (PARTITION BY grp)
  END AS grp
FROM (
  SELECT g.node_id, g.grp, s.anchor,
    CASE WHEN g.grp IN (SELECT grp FROM {{work .Violating}}) THEN 1 ELSE 0 END AS violating
  FROM {{work .Groups}} g
  LEFT JOIN {{work .Seen}} s ON g.node_id = s.node
  WHERE s.node IS NULL OR s.anchor IS NOT NULL
) x
