{{/* app_groups: every identifier of a batch (nodes) with its group: its component in labels, or itself. A group
     is one profile after the batch. */}}
SELECT n.node_id, COALESCE(l.component, n.node_id) AS grp
FROM {{work "nodes"}} n
LEFT JOIN {{work "labels"}} l ON l.node_id = n.node_id
