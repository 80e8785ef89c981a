{{/* components_changed: the number of profiles a run writes: the rows of Profiles, one per universal id
     (counting them costs nothing; counting the distinct ids of graph cost half a second per million). */}}
SELECT COUNT(*) FROM {{.Profiles}}
