SELECT v AS node_id, label AS component FROM {{work .Cur}}
