{{/* ovr_changed: both identifiers of every valid never_link or always_link that is new since the last run, or
     that the last run applied (Applied, the state's copy) and is gone: their regions are recomputed. */}}
SELECT DISTINCT node_id FROM (
  SELECT o.na AS node_id, o.nb AS other FROM {{work "ovr"}} o
  WHERE o.problem IS NULL AND o.kind IN ('never_link', 'always_link')
    AND NOT EXISTS (SELECT 1 FROM {{.Applied}} s WHERE s.kind = o.kind AND s.na = o.na AND s.nb = o.nb)
  UNION ALL
  SELECT s.na AS node_id, s.nb AS other FROM {{.Applied}} s
  WHERE s.kind IN ('never_link', 'always_link') AND NOT EXISTS (SELECT 1 FROM {{work "ovr"}} o WHERE o.problem IS NULL AND o.kind = s.kind AND o.na = s.na AND o.nb = s.nb)
) c
UNION ALL
SELECT DISTINCT other FROM (
  SELECT o.na AS node_id, o.nb AS other FROM {{work "ovr"}} o
  WHERE o.problem IS NULL AND o.kind IN ('never_link', 'always_link')
    AND NOT EXISTS (SELECT 1 FROM {{.Applied}} s WHERE s.kind = o.kind AND s.na = o.na AND s.nb = o.nb)
  UNION ALL
  SELECT s.na AS node_id, s.nb AS other FROM {{.Applied}} s
  WHERE s.kind IN ('never_link', 'always_link') AND NOT EXISTS (SELECT 1 FROM {{work "ovr"}} o WHERE o.problem IS NULL AND o.kind = s.kind AND o.na = s.na AND o.nb = s.nb)
) c
