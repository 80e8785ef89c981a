{{/* lookup_value: the (id_type, universal_id) of the identifiers in id_graph whose value is bind
     parameter 1; a plain filter on id_value, which its index answers. */}}
SELECT id_type, universal_id FROM {{out "id_graph"}} WHERE id_value = {{ph 1}}
