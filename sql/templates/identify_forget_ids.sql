{{/* identify_forget_ids: wipes from the landing table Table the answered universal ids derived from a value
     forgotten now (fgt_keys): such an id is the value's salted hash. */}}
UPDATE {{.Table}} SET answered_id = NULL
WHERE answered_id IN (SELECT universal_id FROM {{work "fgt_keys"}})
