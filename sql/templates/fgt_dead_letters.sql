{{/* fgt_dead_letters: deletes the webhook batches given up whose payload names a value forgotten now (fgt_new) or
     a universal id derived from one (fgt_keys): a batch's JSON carries the profiles it sent, their latest
     identifiers among their columns. The test is a LIKE, so a value holding % or _ may delete a batch that only
     resembles it: erasure errs on the side of forgetting. */}}
DELETE FROM {{out "delivery_dead_letters"}}
WHERE EXISTS (SELECT 1 FROM {{work "fgt_new"}} f WHERE f.action = 'forget' AND f.latest = 1 AND f.id_value IS NOT NULL
    AND payload LIKE {{concat "'%'" "f.id_value" "'%'"}})
  OR EXISTS (SELECT 1 FROM {{work "fgt_keys"}} k WHERE payload LIKE {{concat "'%'" "k.universal_id" "'%'"}})
