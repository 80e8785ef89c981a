{{/* registry_read: every table and view that idstitch made, as (project, schema_name, object_name), from the
     registry table Table. */}}
SELECT project, schema_name, object_name FROM {{.Table}}
