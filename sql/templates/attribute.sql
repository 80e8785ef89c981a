{{/* attribute: per profile, the value of one attribute (column Name) and its source (Source), chosen by Rule among the candidates
     of Parts: per part, each row of a source with its profile, value (NULL never wins), timestamp ts
     and the source's rank. Ties: most_recent, latest ts, then rank, then value; first_seen, earliest
     ts, then rank, then value; source_priority, rank, then latest ts, then value; most_frequent, the
     value on most rows, then its latest ts, then value (its source: that of its latest row, then
     rank). Rows without a timestamp sort after those with one. */}}
SELECT universal_id, value AS {{q .Name}}, source AS {{q .Source}}
FROM (
  SELECT universal_id, value, source,
    ROW_NUMBER() OVER (PARTITION BY universal_id ORDER BY
{{- if eq .Rule "most_frequent"}} n DESC, last_ts DESC NULLS LAST, {{bytewise "value"}}, ts DESC NULLS LAST, rnk
{{- else if eq .Rule "first_seen"}} ts ASC NULLS LAST, rnk, {{bytewise "value"}}
{{- else if eq .Rule "source_priority"}} rnk, ts DESC NULLS LAST, {{bytewise "value"}}
{{- else}} ts DESC NULLS LAST, rnk, {{bytewise "value"}}
{{- end}}) AS pos
  FROM (
    SELECT universal_id, value, ts, rnk, source
{{- if eq .Rule "most_frequent"}},
      COUNT(*) OVER (PARTITION BY universal_id, value) AS n,
      MAX(ts) OVER (PARTITION BY universal_id, value) AS last_ts
{{- end}}
    FROM (
{{- range $i, $p := .Parts}}
      {{if $i}}UNION ALL
      {{end}}
{{- if .Slot}}SELECT g.universal_id, g.id_value AS value, s.ts, {{.Rank}} AS rnk, {{cast (str .Source) "text"}} AS source
      FROM {{work .Table}} s
      JOIN {{work "graph"}} g ON s.n{{.N}} = g.node_id
{{- else}}SELECT universal_id, t{{.N}} AS value, ts, {{.Rank}} AS rnk, {{cast (str .Source) "text"}} AS source
      FROM {{work .Table}}
      WHERE universal_id IS NOT NULL AND t{{.N}} IS NOT NULL
{{- end}}
{{- end}}
    ) c
  ) r
) w
WHERE pos = 1
