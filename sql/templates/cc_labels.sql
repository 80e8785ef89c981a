{{/* cc_labels: every node of Rep (the composed maps) with its component: the smallest node id with the same
     representative, so the label does not depend on the random choices. */}}
SELECT v AS node_id, MIN(v) OVER (PARTITION BY rep) AS component
FROM {{work .Rep}}
