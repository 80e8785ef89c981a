{{/* cc_labels: every node of contraction's round maps with its component, in one statement. Rounds lists the
     maps from the last round to the first; composed in that order, each node of a round's map takes the
     representative its own representative has in the rounds after it (r<Later>), or keeps its own where it
     has none there: a node whose representative left the graph in a round is in no later map. The label is
     the smallest node id with the same final representative, so it does not depend on the random choices.
     Each map is read once, and a map holds only the nodes still linked in its round. */}}
WITH
{{- range $i, $r := .Rounds}}{{if $i}},{{end}}
r{{$r.N}} AS (
{{- if $r.Later}}
  SELECT m.v, COALESCE(l.rep, m.rep) AS rep
  FROM {{work $r.Map}} m
  LEFT JOIN r{{$r.Later}} l ON m.rep = l.v
{{- else}}
  SELECT v, rep FROM {{work $r.Map}}
{{- end}}
)
{{- end}}
SELECT v AS node_id, MIN(v) OVER (PARTITION BY rep) AS component
FROM r1
