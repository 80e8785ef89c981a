{{/* report_types: how many identifiers each id type has, from id_graph. */}}
SELECT id_type, COUNT(*) FROM {{out "id_graph"}} GROUP BY id_type ORDER BY id_type
