{{/* lp_changed: the number of nodes whose label differs between two rounds of label propagation (Prev and
     Cur); the loop ends at zero. */}}
SELECT COUNT(*) FROM {{work .Cur}} c JOIN {{work .Prev}} p ON c.v = p.v WHERE c.label <> p.label
