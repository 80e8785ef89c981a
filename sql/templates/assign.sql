{{/* assign: every identifier of nodes with its profile (component): its group in Groups when set, else its
     component in labels or itself, less the hubs when Hubs is set. */}}
SELECT n.node_id, n.id_type, n.id_value, n.type_rank, n.first_seen_at, n.last_seen_at, n.row_count,
{{- if .Groups}}
  g.grp AS component
FROM {{work "nodes"}} n
JOIN {{work .Groups}} g ON n.node_id = g.node_id
{{- else}}
  COALESCE(l.component, n.node_id) AS component
FROM {{work "nodes"}} n
LEFT JOIN {{work "labels"}} l ON n.node_id = l.node_id
{{- if .Hubs}}
WHERE n.node_id NOT IN (SELECT node_id FROM {{work "hubs"}})
{{- end}}
{{- end}}
