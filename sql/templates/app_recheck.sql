{{/* app_recheck: what sends an append-only batch back to the regions, counted as soon as it is known: with
     Flips (after the guards), the identifiers whose hub decision flipped (flips); with Limits (once the groups are known),
     per limit a group holding more identifiers of the type than its limit (the touched profiles' counts in
     profiles and the batch's identifiers new to the graph), an identifier of the batch that is in a stored
     region (Regions) but in no published profile (a limit conflict), or a touched region that is not one whole
     published profile (a limit split it). Where none holds, no limit splits anything the batch touches. */}}
SELECT 0
{{- if .Flips}}
  + (SELECT COUNT(*) FROM {{work "flips"}})
{{- end}}
{{- if .Limits}}
  + (SELECT COUNT(*) FROM (
       SELECT grp, id_type
       FROM (
{{- range $i, $l := .Limits}}
         {{if $i}}UNION ALL {{end}}SELECT m.grp, {{str $l.Type}} AS id_type, p.{{q (print $l.Type "_count")}} AS k
         FROM {{out "profiles"}} p JOIN {{work "app_prev"}} m ON p.universal_id = m.old_id
{{- end}}
         UNION ALL
         SELECT g.grp, n.id_type, 1 AS k
         FROM {{work "nodes"}} n
         JOIN {{work "app_groups"}} g ON g.node_id = n.node_id
         WHERE n.node_id NOT IN (SELECT node_id FROM {{work "app_old"}})
       ) c
       GROUP BY grp, id_type
       HAVING {{range $i, $l := .Limits}}{{if $i}} OR {{end}}(id_type = {{str $l.Type}} AND SUM(k) > {{$l.Limit}}){{end}}
     ) v)
  + (SELECT COUNT(*) FROM {{work "nodes"}} n JOIN {{.Regions}} r ON r.node_id = n.node_id
     WHERE n.node_id NOT IN (SELECT node_id FROM {{work "app_old"}}))
  + (SELECT COUNT(*)
     FROM (SELECT region, COUNT(DISTINCT old_id) AS profiles, MAX(old_id) AS old_id FROM {{work "app_region_old"}} GROUP BY region) x
     JOIN {{out "profiles"}} p ON p.universal_id = x.old_id
     JOIN (
       SELECT region, COUNT(*) AS members FROM {{.Regions}}
       WHERE region IN (SELECT region FROM {{work "app_region_old"}})
       GROUP BY region
     ) m ON m.region = x.region
     WHERE x.profiles > 1 OR m.members <> p.identifiers)
{{- end}} AS n
