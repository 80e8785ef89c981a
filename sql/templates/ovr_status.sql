{{/* ovr_status: what this run makes of each override: invalid (its problem), waiting (an identifier it names
     is not in the graph), applied, or refused (an always_link that a never_link, a limit of Limits or the
     anonymous policy keeps apart), with a detail that names no value. block and unblock are applied once
     valid. Only the rows this run decides: with Incremental, those without a status or still pending, the
     invalid ones and those naming an identifier of this run's graph; the rest keep theirs. */}}
SELECT DISTINCT s.override_id, s.status, s.detail
FROM (
  SELECT o.override_id,
    CASE
      WHEN o.problem IS NOT NULL THEN 'invalid'
      WHEN o.kind IN ('block', 'unblock') THEN 'applied'
      WHEN ga.universal_id IS NULL OR gb.universal_id IS NULL THEN 'waiting'
      WHEN o.kind = 'never_link' AND ga.universal_id <> gb.universal_id THEN 'applied'
      WHEN o.kind = 'always_link' AND ga.universal_id = gb.universal_id THEN 'applied'
      ELSE 'refused'
    END AS status,
    CASE
      WHEN o.problem IS NOT NULL THEN o.problem
      WHEN o.kind = 'block' THEN 'the value is kept out of the graph'
      WHEN o.kind = 'unblock' THEN 'block_values and block_pattern do not keep the value out'
      WHEN ga.universal_id IS NULL AND gb.universal_id IS NULL THEN 'neither identifier is in the graph'
      WHEN ga.universal_id IS NULL THEN 'identifier a is not in the graph'
      WHEN gb.universal_id IS NULL THEN 'identifier b is not in the graph'
      WHEN o.kind = 'never_link' AND ga.universal_id <> gb.universal_id THEN 'the identifiers are in different profiles'
      WHEN o.kind = 'never_link' THEN 'the identifiers are still in one profile'
      WHEN ga.universal_id = gb.universal_id THEN 'the identifiers are in one profile'
      WHEN EXISTS (SELECT 1 FROM {{work "ovr"}} x WHERE x.problem IS NULL AND x.kind = 'never_link'
          AND ((x.na = o.na AND x.nb = o.nb) OR (x.na = o.nb AND x.nb = o.na))) THEN 'a never_link names the same identifiers'
{{- range .Limits}}
      WHEN ca.{{q .Column}} + cb.{{q .Column}} > {{.Limit}} THEN {{str (print "together they would hold more than " .Limit " " .Type ", over the limit per profile")}}
{{- end}}
      ELSE 'the anonymous policy or another override keeps them apart'
    END AS detail,
    CASE WHEN ga.node_id IS NOT NULL OR gb.node_id IS NOT NULL THEN 1 ELSE 0 END AS here
  FROM {{work "ovr"}} o
  LEFT JOIN {{work "graph"}} ga ON o.na = ga.node_id
  LEFT JOIN {{work "graph"}} gb ON o.nb = gb.node_id
{{- if .Limits}}
  LEFT JOIN {{work "ovr_counts"}} ca ON ga.universal_id = ca.universal_id
  LEFT JOIN {{work "ovr_counts"}} cb ON gb.universal_id = cb.universal_id
{{- end}}
) s
{{- if .Incremental}}
WHERE s.here = 1 OR s.status = 'invalid' OR s.override_id IN (
  SELECT override_id FROM {{out "overrides"}} WHERE status IS NULL OR status = 'pending'
)
{{- end}}
