{{/* ovr_status: what this run makes of each override: invalid (its problem), waiting (an identifier it names
     is not in the graph), applied, or refused (an always_link that a never_link, a limit of Limits or the
     anonymous policy keeps apart), with a detail that names no value. block and unblock are applied once
     valid. With Incremental, an identifier outside the recomputed regions has its published profile (ovr_published), and
     only the rows this run decides get a status: those without one or still pending, the invalid ones and
     those naming an identifier of this run's graph; the rest keep theirs. */}}
SELECT DISTINCT s.override_id, s.status, s.detail
FROM (
  SELECT o.override_id,
    CASE
      WHEN o.problem IS NOT NULL THEN 'invalid'
      WHEN o.kind IN ('block', 'unblock') THEN 'applied'
      WHEN o.ua IS NULL OR o.ub IS NULL THEN 'waiting'
      WHEN o.kind = 'never_link' AND o.ua <> o.ub THEN 'applied'
      WHEN o.kind = 'always_link' AND o.ua = o.ub THEN 'applied'
      ELSE 'refused'
    END AS status,
    CASE
      WHEN o.problem IS NOT NULL THEN o.problem
      WHEN o.kind = 'block' THEN 'the value is kept out of the graph'
      WHEN o.kind = 'unblock' THEN 'block_values and block_pattern do not keep the value out'
      WHEN o.ua IS NULL AND o.ub IS NULL THEN 'neither identifier is in the graph'
      WHEN o.ua IS NULL THEN 'identifier a is not in the graph'
      WHEN o.ub IS NULL THEN 'identifier b is not in the graph'
      WHEN o.kind = 'never_link' AND o.ua <> o.ub THEN 'the identifiers are in different profiles'
      WHEN o.kind = 'never_link' THEN 'the identifiers are still in one profile'
      WHEN o.ua = o.ub THEN 'the identifiers are in one profile'
{{- if .Scoped}}
      WHEN o.kind = 'always_link' AND o.pa <> o.pb THEN 'the identifiers are in different pools, which no link crosses'
{{- end}}
      WHEN EXISTS (SELECT 1 FROM {{work "ovr"}} x WHERE x.problem IS NULL AND x.kind = 'never_link'
          AND ((x.na = o.na AND x.nb = o.nb) OR (x.na = o.nb AND x.nb = o.na))) THEN 'a never_link names the same identifiers'
{{- range .Limits}}
      WHEN ca.{{q .Column}} + cb.{{q .Column}} > {{.Limit}} THEN {{str (print "together they would hold more than " .Limit " " .Type ", over the limit per profile")}}
{{- end}}
      ELSE 'the anonymous policy or another override keeps them apart'
    END AS detail,
    o.here
  FROM (
    SELECT o.*,
{{- if .Incremental}}
      COALESCE(ga.universal_id, pa.universal_id) AS ua, COALESCE(gb.universal_id, pb.universal_id) AS ub,
{{- else}}
      ga.universal_id AS ua, gb.universal_id AS ub,
{{- end}}
      CASE WHEN ga.node_id IS NOT NULL OR gb.node_id IS NOT NULL THEN 1 ELSE 0 END AS here
    FROM {{work "ovr"}} o
    LEFT JOIN {{work "graph"}} ga ON o.na = ga.node_id
    LEFT JOIN {{work "graph"}} gb ON o.nb = gb.node_id
{{- if .Incremental}}
    LEFT JOIN {{work "ovr_published"}} pa ON o.na = pa.node_id
    LEFT JOIN {{work "ovr_published"}} pb ON o.nb = pb.node_id
{{- end}}
  ) o
{{- if .Limits}}
  LEFT JOIN {{work "ovr_counts"}} ca ON o.ua = ca.universal_id
  LEFT JOIN {{work "ovr_counts"}} cb ON o.ub = cb.universal_id
{{- end}}
) s
{{- if .Incremental}}
WHERE s.here = 1 OR s.status = 'invalid' OR s.override_id IN (
  SELECT override_id FROM {{out "overrides"}} WHERE status IS NULL OR status = 'pending'
)
{{- end}}
