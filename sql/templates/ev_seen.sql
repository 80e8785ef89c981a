{{/* ev_seen: the anonymous identifiers decided so far: those of Seen and those of Front. */}}
SELECT node_id, grp, profiles, evidence, ring FROM {{work .Seen}}
UNION ALL
SELECT node_id, grp, profiles, evidence, ring FROM {{work .Front}}
