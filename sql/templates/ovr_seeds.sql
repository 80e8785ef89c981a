{{/* ovr_seeds: adds to the seeds the other identifier of every valid always_link that names a seed: the link
     joins their regions, and a region recomputed without the other's would miss it (when one of them
     left the graph and came back, the regions stored in between hold them apart). */}}
INSERT INTO {{work "seeds"}} (node_id)
SELECT o.nb FROM {{work "ovr"}} o
WHERE o.problem IS NULL AND o.kind = 'always_link'
  AND o.na IN (SELECT node_id FROM {{work "seeds"}}) AND o.nb NOT IN (SELECT node_id FROM {{work "seeds"}})
UNION ALL
SELECT o.na FROM {{work "ovr"}} o
WHERE o.problem IS NULL AND o.kind = 'always_link'
  AND o.nb IN (SELECT node_id FROM {{work "seeds"}}) AND o.na NOT IN (SELECT node_id FROM {{work "seeds"}})
