{{/* inc_changed: the row hashes whose count differs between the rows read again (New) and the stored rows
     Stored within Window, with stored = 1 when Stored holds them. */}}
SELECT COALESCE(n.row_hash, o.row_hash) AS row_hash, CASE WHEN o.c IS NULL THEN 0 ELSE 1 END AS stored
FROM (SELECT row_hash, COUNT(*) AS c FROM {{work .New}} GROUP BY row_hash) n
FULL OUTER JOIN (
  SELECT row_hash, COUNT(*) AS c FROM {{.Stored}} s WHERE {{.Window}} GROUP BY row_hash
) o ON n.row_hash = o.row_hash
WHERE n.c IS NULL OR o.c IS NULL OR n.c <> o.c
