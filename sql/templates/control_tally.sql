{{/* control_tally: one row, (Name, the rows of the work table Table), for the run's summary. */}}
SELECT {{str .Name}} AS name, COUNT(*) AS n FROM {{work .Table}}
