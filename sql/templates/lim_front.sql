{{/* lim_front: the next ring of a limit split: each identifier next to ring Front and not in Seen joins its
     best anchor (more rows, more recent, value); with Isolate none if several reach it. */}}
SELECT node,
  {{if .Isolate}}CASE WHEN anchors > 1 THEN NULL ELSE anchor END{{else}}anchor{{end}} AS anchor,
  anchors
FROM (
  SELECT node, anchor,
    COUNT(*) OVER (PARTITION BY node) AS anchors,
    ROW_NUMBER() OVER (PARTITION BY node ORDER BY row_count DESC, last_seen_at DESC NULLS LAST, {{bytewise "anchor_value"}}) AS pos
  FROM (
    SELECT e.v AS node, f.anchor, a.id_value AS anchor_value,
      SUM(e.row_count) AS row_count, MAX(e.last_seen_at) AS last_seen_at
    FROM {{work "lim_edges"}} e
    JOIN {{work .Front}} f ON e.u = f.node
    JOIN {{work "nodes"}} a ON f.anchor = a.node_id
    WHERE e.v NOT IN (SELECT node FROM {{work .Seen}})
    GROUP BY e.v, f.anchor, a.id_value
  ) c
) r
WHERE pos = 1
