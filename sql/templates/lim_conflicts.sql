SELECT node AS node_id, anchors FROM {{work .Seen}} WHERE anchor IS NULL
