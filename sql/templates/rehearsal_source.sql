{{/* rehearsal_source: a copy Table of the first Rows rows of the source table Source, with its columns and
     their types, for a rehearsal of the plan that is rolled back: enough rows for a value that a type
     cannot hold (text in a timestamp column) to fail there, few enough to cost nothing. */}}
CREATE TABLE {{.Table}} AS SELECT * FROM {{.Source}} LIMIT {{.Rows}}
