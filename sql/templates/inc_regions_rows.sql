{{/* inc_regions_rows: the regions an incremental run computed (regions_new), in the columns of the stored table. */}}
SELECT node_id, region, id_type FROM {{work "regions_new"}}
