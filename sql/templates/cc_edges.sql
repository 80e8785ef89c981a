SELECT DISTINCT LEAST(ma.rep, mb.rep) AS a, GREATEST(ma.rep, mb.rep) AS b
FROM {{work .Edges}} e
JOIN {{work .Map}} ma ON e.a = ma.v
JOIN {{work .Map}} mb ON e.b = mb.v
WHERE ma.rep <> mb.rep
