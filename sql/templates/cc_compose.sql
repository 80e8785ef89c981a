{{/* cc_compose: one step of composing contraction's maps: each node of round map Map takes the representative
     its own representative has in Later (the later rounds composed), or keeps it. */}}
SELECT m.v, COALESCE(r.rep, m.rep) AS rep
FROM {{work .Map}} m
LEFT JOIN {{work .Later}} r ON m.rep = r.v
