{{/* ev_ambiguous: the anonymous identifiers of Seen whose evidence points to several known profiles, with that
     number of profiles: they join none. */}}
SELECT node_id, profiles FROM {{work .Seen}} WHERE grp IS NULL
