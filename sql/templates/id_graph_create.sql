{{/* id_graph_create: creates, if missing, an empty published id_graph, so that every run, the first too, can
     compare with the last. With Scope, it has scope and pool. */}}
CREATE TABLE IF NOT EXISTS {{out "id_graph"}} (
  universal_id {{typ "text"}},
  id_type {{typ "text"}},
  id_value {{typ "text"}},
  first_seen_at {{typ "timestamp"}},
  last_seen_at {{typ "timestamp"}},
  row_count {{typ "int64"}},
  node_id {{typ "int64"}}
{{- if .Scope}},
  scope {{typ "text"}},
  pool {{typ "text"}}
{{- end}}
)
