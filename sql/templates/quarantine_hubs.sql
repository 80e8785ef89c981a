{{/* quarantine_hubs: the hubs of an incremental run (hubs_named) as quarantine rows with their degree. */}}
SELECT id_type, id_value, {{str .Reason}} AS reason, degree AS evidence FROM {{work "hubs_named"}}
