{{/* fgt_requests: deletes the requests this run read (fgt_new) from forget_requests: what stays of them is in
     forget_audit. Rows without a request_id stay, reported invalid. */}}
DELETE FROM {{out "forget_requests"}}
WHERE request_id IN (SELECT request_id FROM {{work "fgt_new"}} WHERE request_id IS NOT NULL)
