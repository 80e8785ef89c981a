{{/* ev_ranked: the rows of ev_direct with, per anonymous identifier, its number of known profiles and their rank
     by the time each first shares a row with it, the latest (the last to sign in on it) first. */}}
SELECT node_id, grp, row_count, first_seen_at, last_seen_at,
  COUNT(*) OVER (PARTITION BY node_id) AS profiles,
  ROW_NUMBER() OVER (PARTITION BY node_id ORDER BY first_seen_at DESC NULLS LAST, grp) AS rk
FROM {{work "ev_direct"}}
