SELECT COUNT(*) FROM {{work .Cur}} c JOIN {{work .Prev}} p ON c.v = p.v WHERE c.label <> p.label
