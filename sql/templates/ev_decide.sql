{{/* ev_decide: ring 0: every anonymous identifier of ev_ranked in the profile its own rows decide: the one known
     profile it shares rows with or, of several, the one that signed in last on it when all the rows of the others
     lie within Window seconds before that sign-in (the activity before a sign-in belongs to whoever signed in
     next); else in none (grp NULL: ambiguous). With the number of profiles and the rows of the evidence. */}}
SELECT t.node_id,
  CASE WHEN t.profiles = 1 OR (o.last_seen_at < t.first_seen_at AND o.first_seen_at >= {{before "t.first_seen_at" .Window}})
    THEN t.grp END AS grp,
  t.profiles, t.row_count AS evidence, 0 AS ring
FROM {{work "ev_ranked"}} t
LEFT JOIN (
  SELECT node_id, MIN(first_seen_at) AS first_seen_at, MAX(last_seen_at) AS last_seen_at
  FROM {{work "ev_ranked"}} WHERE rk > 1 GROUP BY node_id
) o ON t.node_id = o.node_id
WHERE t.rk = 1
