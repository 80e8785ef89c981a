SELECT t.node_id
FROM {{work .Touched}} t
WHERE (CASE WHEN t.node_id IN (SELECT node_id FROM {{.Stored}}) THEN 1 ELSE 0 END)
   <> (CASE WHEN t.node_id IN (SELECT node_id FROM {{work "hubs_named"}}) THEN 1 ELSE 0 END)
