{{/* check_expression: whether Expr, a user's expression, runs on the source Table; reads no rows. */}}
SELECT {{.Expr}} FROM {{.Table}} LIMIT 0
