{{/* nl_violating: the groups of Groups that hold both identifiers of a valid never_link override. */}}
SELECT DISTINCT ga.grp
FROM {{work "ovr"}} o
JOIN {{work .Groups}} ga ON o.na = ga.node_id
JOIN {{work .Groups}} gb ON o.nb = gb.node_id
WHERE o.problem IS NULL AND o.kind = 'never_link' AND ga.grp = gb.grp
