{{/* app_start: the graph an append-only batch finds components in: its links, and a star per published profile
     that it touches, from each of the profile's identifiers in the batch (app_old) to the smallest of them. A
     profile stands in for all its identifiers: new links can only merge profiles. */}}
SELECT a, b FROM {{work "edges"}}
UNION ALL
SELECT o.node_id AS a, r.rep AS b
FROM {{work "app_old"}} o
JOIN (SELECT universal_id, MIN(node_id) AS rep FROM {{work "app_old"}} GROUP BY universal_id) r ON o.universal_id = r.universal_id
WHERE o.node_id <> r.rep
