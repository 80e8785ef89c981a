{{/* ovr_edges: the links that always_link overrides add, between identifiers both in the graph (nodes, not
     hubs when Hubs) and, when Scoped, of one pool, unless a never_link names the same pair. */}}
SELECT DISTINCT LEAST(o.na, o.nb) AS a, GREATEST(o.na, o.nb) AS b
FROM {{work "ovr"}} o
WHERE o.problem IS NULL AND o.kind = 'always_link'
  AND o.na IN (SELECT node_id FROM {{work "nodes"}}) AND o.nb IN (SELECT node_id FROM {{work "nodes"}})
{{- if .Scoped}}
  AND o.pa = o.pb
{{- end}}
{{- if .Hubs}}
  AND o.na NOT IN (SELECT node_id FROM {{work "hubs"}}) AND o.nb NOT IN (SELECT node_id FROM {{work "hubs"}})
{{- end}}
  AND NOT EXISTS (
    SELECT 1 FROM {{work "ovr"}} x
    WHERE x.problem IS NULL AND x.kind = 'never_link'
      AND ((x.na = o.na AND x.nb = o.nb) OR (x.na = o.nb AND x.nb = o.na))
  )
