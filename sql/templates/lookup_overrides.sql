{{/* lookup_overrides: the overrides that name the identifier (type 1, value 2 as written or 3 normalized) or
     the identifier (type 4, value 5 or 6), with kind, status, detail, reason and author, for explain. */}}
SELECT override_id, kind, COALESCE(status, 'pending'), COALESCE(status_detail, ''), COALESCE(reason, ''), COALESCE(created_by, '')
FROM {{out "overrides"}}
WHERE (id_type_a = {{ph 1}} AND id_value_a IN ({{ph 2}}, {{ph 3}}))
   OR (id_type_b = {{ph 1}} AND id_value_b IN ({{ph 2}}, {{ph 3}}))
   OR (id_type_a = {{ph 4}} AND id_value_a IN ({{ph 5}}, {{ph 6}}))
   OR (id_type_b = {{ph 4}} AND id_value_b IN ({{ph 5}}, {{ph 6}}))
ORDER BY override_id
