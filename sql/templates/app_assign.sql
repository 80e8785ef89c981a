{{/* app_assign: the candidates for each group's anchor, in the columns anchors reads (component is the group):
     every identifier of the batch, with its first seen after the batch, and the identifiers of each touched
     profile first seen when the profile was (its anchor, and any tied with it). An identifier not in the batch
     keeps its first seen, so no other can be the anchor. Types gives each id type its rank. The profiles' rows
     are found by an equality join on universal id and first seen (NULL as a date no row has), so that a large
     profile is not read whole; a candidate too many is harmless, since each has its own first seen. */}}
SELECT g.grp AS component, n.id_type, n.id_value, n.type_rank,
  CASE WHEN o.first_seen_at IS NULL OR o.first_seen_at > n.first_seen_at THEN n.first_seen_at ELSE o.first_seen_at END AS first_seen_at
FROM {{work "nodes"}} n
JOIN {{work "app_groups"}} g ON g.node_id = n.node_id
LEFT JOIN {{work "app_old"}} o ON o.node_id = n.node_id
UNION ALL
SELECT f.grp AS component, x.id_type, x.id_value,
  CASE x.id_type{{range .Types}} WHEN {{str .Name}} THEN {{.Rank}}{{end}} END AS type_rank,
  x.first_seen_at
FROM {{out "id_graph"}} x
JOIN (
  SELECT m.old_id, m.grp, p.first_seen_at
  FROM {{work "app_prev"}} m
  JOIN {{out "profiles"}} p ON p.universal_id = m.old_id
) f ON x.universal_id = f.old_id
  AND COALESCE(x.first_seen_at, {{cast "'0001-01-01 00:00:00'" "timestamp"}}) = COALESCE(f.first_seen_at, {{cast "'0001-01-01 00:00:00'" "timestamp"}})
