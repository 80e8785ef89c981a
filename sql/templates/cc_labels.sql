SELECT v AS node_id, MIN(v) OVER (PARTITION BY rep) AS component
FROM {{work .Rep}}
