{{/* lp_labels: the labels of label propagation's last round Cur, as (node_id, component). */}}
SELECT v AS node_id, label AS component FROM {{work .Cur}}
