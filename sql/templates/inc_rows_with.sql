{{/* inc_rows_with: Cols of a source's rows holding an identifier of Nodes in Slots: its stored rows (Stored)
     less those replaced (Window, Changed) plus the new ones (Ins), or else the rows of From. */}}
{{- define "holds"}}{{range $i, $s := .Slots}}{{if $i}} OR {{end}}s.n{{.N}} IN (SELECT node_id FROM {{work $.Nodes}}){{end}}{{end -}}
{{- if .Stored -}}
-- The stored rows that hold one of the identifiers, less those this run replaces, and the new
-- rows that hold one: filtering by identifier first keeps the costlier test to few rows.
SELECT {{.Cols}} FROM (
  SELECT * FROM {{.Stored}} s WHERE {{template "holds" .}}
) s
WHERE NOT ({{.Window}} AND s.row_hash IN (SELECT row_hash FROM {{work .Changed}}))
UNION ALL
SELECT {{.Cols}} FROM {{work .Ins}} s WHERE {{template "holds" .}}
{{- else -}}
SELECT {{.Cols}} FROM {{.From}} s WHERE {{template "holds" .}}
{{- end}}
