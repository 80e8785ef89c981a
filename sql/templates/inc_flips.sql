{{/* inc_flips: the identifiers of Touched whose hub decision flipped: hubs in the stored hubs Stored and not
     in hubs_named, or the reverse. */}}
SELECT t.node_id
FROM {{work .Touched}} t
WHERE (CASE WHEN t.node_id IN (SELECT node_id FROM {{.Stored}}) THEN 1 ELSE 0 END)
   <> (CASE WHEN t.node_id IN (SELECT node_id FROM {{work "hubs_named"}}) THEN 1 ELSE 0 END)
