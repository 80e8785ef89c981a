{{/* forget_insert: adds requests to forget identifiers (or to withdraw that) to the published forget_requests
     table, one row per entry of Rows, each naming the bind parameters of its request_id, action, id_type,
     id_value and requested_by; requested_at is the warehouse's now. */}}
INSERT INTO {{out "forget_requests"}} (request_id, action, id_type, id_value, requested_by, requested_at)
VALUES {{range $i, $r := .Rows}}{{if $i}}, {{end}}({{ph $r.ID}}, {{ph $r.Action}}, {{ph $r.Type}}, {{ph $r.Value}}, {{ph $r.By}}, {{now}}){{end}}
