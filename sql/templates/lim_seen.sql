{{/* lim_seen: the identifiers a limit split has reached so far, with their anchor: those of Seen plus the new
     ring Front. */}}
SELECT node, anchor, anchors FROM {{work .Seen}}
UNION ALL
SELECT node, anchor, anchors FROM {{work .Front}}
