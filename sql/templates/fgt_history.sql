{{/* fgt_history: deletes the rows of Table whose Columns name a universal id derived from a value forgotten now
     (fgt_keys). */}}
DELETE FROM {{.Table}}
WHERE {{range $i, $c := .Columns}}{{if $i}} OR {{end}}{{$c}} IN (SELECT universal_id FROM {{work "fgt_keys"}}){{end}}
