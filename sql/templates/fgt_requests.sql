{{/* fgt_requests: deletes from forget_requests the valid requests this run carried out (fgt_new): what stays of
     them is in forget_audit. An invalid request stays, counted as forget_invalid by every run, until it is
     corrected or deleted: it is a request for erasure that must not be lost. */}}
DELETE FROM {{out "forget_requests"}}
WHERE request_id IN (SELECT request_id FROM {{work "fgt_new"}} WHERE problem IS NULL)
