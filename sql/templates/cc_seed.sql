SELECT v, rep FROM {{work .Map}}
