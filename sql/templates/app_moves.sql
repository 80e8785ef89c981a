{{/* app_moves: each touched profile's universal id (old_id) with its group and the group's universal id
     (new_id, from anchors): they differ when the profile merges into an older one or gains an earlier anchor. */}}
SELECT p.old_id, p.grp, a.universal_id AS new_id
FROM {{work "app_prev"}} p
JOIN {{work "anchors"}} a ON a.component = p.grp
