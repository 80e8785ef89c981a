{{/* app_nodes: the batch's identifiers (Query, over its rows) less the hubs (hubs) when Hubs is set: a hub links
     nothing, in a batch as in a full run. */}}
SELECT * FROM (
{{.Query}}
) n{{if .Hubs}}
WHERE node_id NOT IN (SELECT node_id FROM {{work "hubs"}}){{end}}
