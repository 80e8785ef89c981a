SELECT a AS node_id, a AS component FROM {{work .Edges}}
