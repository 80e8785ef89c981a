{{/* ovr_applied: stores in Table (the state) the valid never_link and always_link overrides this run read. */}}
INSERT INTO {{.Table}} (kind, na, nb)
SELECT kind, na, nb FROM {{work "ovr"}} WHERE problem IS NULL AND kind IN ('never_link', 'always_link')
