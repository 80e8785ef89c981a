{{/* inc_edges_delete: (BigQuery, which has no DELETE … USING) deletes the published id_edges rows whose keys
     are the s_ columns of edges_diff (those of a new link are NULL and left out), by a correlated EXISTS. Only
     the keys are selected, named s_, so that the unqualified names inside it are the target's. */}}
DELETE FROM {{out "id_edges"}}
WHERE EXISTS (
  SELECT 1 FROM (
    SELECT s_universal_id, s_id_type_a, s_id_value_a, s_id_type_b, s_id_value_b{{if .Scope}}, s_scope_a, s_scope_b{{end}}
    FROM {{work "edges_diff"}} WHERE s_universal_id IS NOT NULL
  ) s
  WHERE universal_id = s.s_universal_id AND id_type_a = s.s_id_type_a AND id_value_a = s.s_id_value_a
    AND id_type_b = s.s_id_type_b AND id_value_b = s.s_id_value_b{{if .Scope}}
    AND COALESCE(scope_a, '') = COALESCE(s.s_scope_a, '')
    AND COALESCE(scope_b, '') = COALESCE(s.s_scope_b, ''){{end}}
)
