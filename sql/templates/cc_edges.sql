{{/* cc_edges: the edges Edges rewritten onto the representatives of round map Map, as distinct (smaller,
     larger) pairs with self-loops dropped. */}}
SELECT DISTINCT LEAST(ma.rep, mb.rep) AS a, GREATEST(ma.rep, mb.rep) AS b
FROM {{work .Edges}} e
JOIN {{work .Map}} ma ON e.a = ma.v
JOIN {{work .Map}} mb ON e.b = mb.v
WHERE ma.rep <> mb.rep
