{{/* lookup_value_scoped: lookup_value for a project with scopes: the (id_type, qualifier, universal_id) of
     the identifiers in id_graph whose value is bind parameter 1, the qualifier being the scope of a local
     identifier or the pool of a shared one. */}}
SELECT id_type, COALESCE(scope, pool) AS qualifier, universal_id FROM {{out "id_graph"}} WHERE id_value = {{ph 1}}
