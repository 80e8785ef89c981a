{{/* inc_names: the value of each identifier on the regions' rows: from the id_graph rows of rnodes, the
     id_quarantine rows of Reasons, the work table Named and, with Hubs, hubs_named. With Scope, published values
     are qualified again by scope or pool, as a run keys them. */}}
{{- $value := "id_value"}}{{if .Scope}}{{$value = print (concat "COALESCE(scope, pool)" "'|'" "id_value") " AS id_value"}}{{end -}}
{{- $key := "id_value"}}{{if .Scope}}{{$key = concat "COALESCE(scope, pool)" "'|'" "id_value"}}{{end -}}
SELECT DISTINCT node_id, id_value FROM (
  SELECT node_id, {{$value}} FROM {{out "id_graph"}}
  WHERE node_id IN (SELECT node_id FROM {{work "rnodes"}})
  UNION ALL
  SELECT {{hash64 "id_type" $key}} AS node_id, {{$value}} FROM {{out "id_quarantine"}}
  WHERE reason IN ({{range $i, $r := .Reasons}}{{if $i}}, {{end}}{{str $r}}{{end}})
  UNION ALL
  SELECT node_id, id_value FROM {{work .Named}}
{{- if .Hubs}}
  UNION ALL
  SELECT node_id, id_value FROM {{work "hubs_named"}}
{{- end}}
) n
