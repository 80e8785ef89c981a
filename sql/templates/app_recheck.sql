{{/* app_recheck: what sends an append-only batch back to the regions, counted once its rows are computed: an
     identifier whose hub decision flipped (flips, with Flips); and, per limit of Limits, a group holding more
     identifiers of the type than its limit, an identifier of the batch that is in a stored region (Regions) but
     in no published profile (a limit conflict), or a touched region that is not one whole published profile
     (a limit split it). Where none of these holds, no limit splits anything the batch touches. */}}
SELECT 0
{{- if .Flips}}
  + (SELECT COUNT(*) FROM {{work "flips"}})
{{- end}}
{{- if .Limits}}
  + (SELECT COUNT(*) FROM {{work "profiles_region"}}
     WHERE {{range $i, $l := .Limits}}{{if $i}} OR {{end}}{{q (print $l.Type "_count")}} > {{$l.Limit}}{{end}})
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
