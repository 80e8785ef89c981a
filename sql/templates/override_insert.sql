{{/* override_insert: adds one override to the published overrides table, status pending. Bind parameters, in
     order: override_id, kind, id_type_a, id_value_a, then with Pair (never_link, always_link) id_type_b and
     id_value_b, then created_by and reason; block and unblock name no b. created_at is the warehouse's now. */}}
INSERT INTO {{out "overrides"}} (override_id, kind, id_type_a, id_value_a, id_type_b, id_value_b, created_by, reason, created_at, status)
VALUES ({{ph 1}}, {{ph 2}}, {{ph 3}}, {{ph 4}}, {{if .Pair}}{{ph 5}}, {{ph 6}}, {{ph 7}}, {{ph 8}}{{else}}{{cast "NULL" "text"}}, {{cast "NULL" "text"}}, {{ph 5}}, {{ph 6}}{{end}}, {{now}}, 'pending')
