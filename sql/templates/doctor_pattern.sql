{{/* doctor_pattern: one column per sample value, 1 where the warehouse finds the project's pattern in it:
     each of Matches is the warehouse's regular-expression search of one sample, already rendered. */}}
SELECT {{range $i, $m := .Matches}}{{if $i}}, {{end}}CASE WHEN {{$m}} THEN 1 ELSE 0 END{{end}}
