CREATE TABLE IF NOT EXISTS {{out "id_graph"}} (
  universal_id {{typ "text"}},
  id_type {{typ "text"}},
  id_value {{typ "text"}},
  first_seen_at {{typ "timestamp"}},
  last_seen_at {{typ "timestamp"}},
  row_count {{typ "int64"}},
  node_id {{typ "int64"}}
)
