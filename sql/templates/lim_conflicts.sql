{{/* lim_conflicts: the identifiers a limit split found equally near several anchors (no anchor in Seen), with
     the number of anchors; for policy limit_ties isolate. */}}
SELECT node AS node_id, anchors FROM {{work .Seen}} WHERE anchor IS NULL
