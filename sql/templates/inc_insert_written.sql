{{/* inc_insert_written: inserts into Table the rows of Query whose node_id is in the work table Written (see
     inc_graph_write): the rows that changed. */}}
INSERT INTO {{.Table}} SELECT * FROM ({{.Query}}) q WHERE q.node_id IN (SELECT node_id FROM {{work .Written}})
