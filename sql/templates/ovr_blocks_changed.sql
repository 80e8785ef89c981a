{{/* ovr_blocks_changed: counts the valid block and unblock overrides (of the overrides query Ovr) that differ
     from those the last run applied (Applied): when any does, an incremental run checks every stored row
     again. */}}
SELECT COUNT(*) FROM (
  SELECT o.kind, o.na FROM (
{{.Ovr}}
  ) o
  WHERE o.problem IS NULL AND o.kind IN ('block', 'unblock')
    AND NOT EXISTS (SELECT 1 FROM {{.Applied}} s WHERE s.kind = o.kind AND s.na = o.na)
  UNION ALL
  SELECT s.kind, s.na FROM {{.Applied}} s
  WHERE s.kind IN ('block', 'unblock') AND NOT EXISTS (
    SELECT 1 FROM (
{{.Ovr}}
    ) o
    WHERE o.problem IS NULL AND o.kind = s.kind AND o.na = s.na
  )
) c
