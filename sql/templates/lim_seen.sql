SELECT node, anchor, anchors FROM {{work .Seen}}
UNION ALL
SELECT node, anchor, anchors FROM {{work .Front}}
