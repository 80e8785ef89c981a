{{/* changes: each move of identifiers from an old universal id (old_map) to a new one (graph) as new, merge,
     split or quarantine, with the count moved (and with Scope the pool); a new identifier joining an old profile
     is none. */}}
SELECT CASE
    WHEN p.new_id IS NULL THEN 'quarantine'
    WHEN p.old_id IS NULL THEN 'new'
    WHEN p.old_id IN (SELECT universal_id FROM {{work "graph"}}) THEN 'split'
    ELSE 'merge'
  END AS kind,
  p.old_id AS old_universal_id, p.new_id AS new_universal_id, p.moved AS identifiers{{if .Scope}}, p.pool{{end}}
FROM (
  SELECT old_id, new_id, COUNT(*) AS moved{{if .Scope}}, MAX(pool) AS pool{{end}}
  FROM (
    SELECT o.universal_id AS old_id, n.universal_id AS new_id{{if .Scope}}, COALESCE(n.pool, o.pool) AS pool{{end}}
    FROM {{work "old_map"}} o
    FULL OUTER JOIN {{work "graph"}} n ON o.node_id = n.node_id
  ) m
  WHERE old_id IS NULL OR new_id IS NULL OR old_id <> new_id
  GROUP BY old_id, new_id
) p
-- identifiers seen for the first time that join a profile which already existed change no id
WHERE NOT (p.old_id IS NULL AND p.new_id IN (SELECT universal_id FROM {{work "old_map"}}))
