SELECT a, b FROM {{work "edges"}}
