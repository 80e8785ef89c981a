{{/* app_profiles: the profiles rows of an append-only batch's groups, in profiles' columns (Types): the touched
     profiles' counts and times combined with the batch's identifiers' (those new to the graph counted), and per
     type the latest value among the touched profiles' latest ones and the batch's identifiers, which are the
     only ones whose last seen moved (the profiles' latest values found by an equality join, so that a large
     profile is not read whole). */}}
WITH parts AS (
  SELECT m.grp, p.first_seen_at, p.last_seen_at, p.identifiers{{range .Types}}, p.{{q (print . "_count")}}{{end}}
  FROM {{out "profiles"}} p
  JOIN {{work "app_moves"}} m ON p.universal_id = m.old_id
  UNION ALL
  SELECT g.grp, n.first_seen_at, n.last_seen_at, CASE WHEN o.node_id IS NULL THEN 1 ELSE 0 END
{{- range .Types}}, CASE WHEN o.node_id IS NULL AND n.id_type = {{str .}} THEN 1 ELSE 0 END{{end}}
  FROM {{work "nodes"}} n
  JOIN {{work "app_groups"}} g ON g.node_id = n.node_id
  LEFT JOIN {{work "app_old"}} o ON o.node_id = n.node_id
), latest AS (
  SELECT grp, id_type, id_value,
    ROW_NUMBER() OVER (PARTITION BY grp, id_type ORDER BY last_seen_at DESC NULLS LAST, {{bytewise "id_value"}} DESC) AS pos
  FROM (
    SELECT g.grp, n.id_type, n.id_value,
      CASE WHEN o.last_seen_at IS NULL OR o.last_seen_at < n.last_seen_at THEN n.last_seen_at ELSE o.last_seen_at END AS last_seen_at
    FROM {{work "nodes"}} n
    JOIN {{work "app_groups"}} g ON g.node_id = n.node_id
    LEFT JOIN {{work "app_old"}} o ON o.node_id = n.node_id
    UNION ALL
    SELECT l.grp, x.id_type, x.id_value, x.last_seen_at
    FROM {{out "id_graph"}} x
    JOIN (
{{- range $i, $t := .Types}}
      {{if $i}}UNION ALL {{end}}SELECT m.old_id, m.grp, {{str $t}} AS id_type, p.{{q (print "latest_" $t)}} AS id_value
      FROM {{out "profiles"}} p JOIN {{work "app_moves"}} m ON p.universal_id = m.old_id
{{- end}}
    ) l ON x.universal_id = l.old_id AND x.id_type = l.id_type AND x.id_value = l.id_value
  ) c
)
SELECT a.universal_id, s.first_seen_at, s.last_seen_at, s.identifiers
{{- range .Types}}, s.{{q (print . "_count")}}, l.{{q (print "latest_" .)}}{{end}}
FROM (
  SELECT grp, MIN(first_seen_at) AS first_seen_at, MAX(last_seen_at) AS last_seen_at, {{cast "SUM(identifiers)" "int64"}} AS identifiers
{{- range .Types}}, {{cast (print "SUM(" (q (print . "_count")) ")") "int64"}} AS {{q (print . "_count")}}{{end}}
  FROM parts
  GROUP BY grp
) s
JOIN {{work "anchors"}} a ON a.component = s.grp
LEFT JOIN (
  SELECT grp{{range .Types}}, MAX(CASE WHEN id_type = {{str .}} THEN id_value END) AS {{q (print "latest_" .)}}{{end}}
  FROM latest
  WHERE pos = 1
  GROUP BY grp
) l ON l.grp = s.grp
