{{/* parse_probe: a user expression Expr as the planner pastes it into its statements, for the warehouse's own
     parser to say whether it is one expression; nothing runs it. */}}
SELECT ({{.Expr}})
