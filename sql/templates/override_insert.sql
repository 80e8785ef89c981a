{{/* override_insert: adds one override to the published overrides table, status pending. Bind parameters:
     1 override_id, 2 kind, 3 id_type_a, 4 id_value_a, 5 created_by, 6 reason, and with Pair (never_link,
     always_link) 7 id_type_b and 8 id_value_b; block and unblock name no b. created_at is the warehouse's now. */}}
INSERT INTO {{out "overrides"}} (override_id, kind, id_type_a, id_value_a, id_type_b, id_value_b, created_by, reason, created_at, status)
VALUES ({{ph 1}}, {{ph 2}}, {{ph 3}}, {{ph 4}}, {{if .Pair}}{{ph 7}}, {{ph 8}}{{else}}{{cast "NULL" "text"}}, {{cast "NULL" "text"}}{{end}}, {{ph 5}}, {{ph 6}}, {{now}}, 'pending')
