SELECT m.v, COALESCE(r.rep, m.rep) AS rep
FROM {{work .Map}} m
LEFT JOIN {{work .Later}} r ON m.rep = r.v
