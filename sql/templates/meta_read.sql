{{/* meta_read: the stored fingerprints of the project file, as (section, fingerprint), from the state table Table. */}}
SELECT section, fingerprint FROM {{.Table}}
