{{/* lim_front_start: the first ring of a limit split: the anchors themselves, from lim_seen_0. */}}
SELECT node, anchor, anchors FROM {{work .Seen}}
