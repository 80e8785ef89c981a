{{/* app_assign: the candidates for each group's anchor, in the columns anchors reads (component is the group):
     every identifier of the batch, with its first seen after the batch, and the identifiers of each touched
     profile first seen when the profile was (its anchor, and any tied with it). An identifier not in the batch
     keeps its first seen, so no other can be the anchor. Types gives each id type its rank. */}}
SELECT g.grp AS component, n.id_type, n.id_value, n.type_rank,
  CASE WHEN o.first_seen_at IS NULL OR o.first_seen_at > n.first_seen_at THEN n.first_seen_at ELSE o.first_seen_at END AS first_seen_at
FROM {{work "nodes"}} n
JOIN {{work "app_groups"}} g ON g.node_id = n.node_id
LEFT JOIN {{work "app_old"}} o ON o.node_id = n.node_id
UNION ALL
SELECT m.grp AS component, x.id_type, x.id_value,
  CASE x.id_type{{range .Types}} WHEN {{str .Name}} THEN {{.Rank}}{{end}} END AS type_rank,
  x.first_seen_at
FROM {{out "id_graph"}} x
JOIN {{work "app_prev"}} m ON x.universal_id = m.old_id
JOIN {{out "profiles"}} p ON p.universal_id = m.old_id
WHERE x.first_seen_at = p.first_seen_at OR (x.first_seen_at IS NULL AND p.first_seen_at IS NULL)
