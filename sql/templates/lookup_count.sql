{{/* lookup_count: how many identifiers the profile whose universal id is bind parameter 1 has in id_graph;
     a plain filter on universal_id, which its index answers. */}}
SELECT COUNT(*) FROM {{out "id_graph"}} WHERE universal_id = {{ph 1}}
