{{/* explain_types: how many identifiers of each type the profile whose universal id is bind parameter 1 has,
     from id_graph, and how many links it has in id_edges, as (id_type, count) rows; the links' row has
     id_type NULL. */}}
SELECT id_type, COUNT(*) AS n FROM {{out "id_graph"}} WHERE universal_id = {{ph 1}} GROUP BY id_type
UNION ALL
SELECT {{cast "NULL" "text"}} AS id_type, COUNT(*) AS n FROM {{out "id_edges"}} WHERE universal_id = {{ph 1}}
