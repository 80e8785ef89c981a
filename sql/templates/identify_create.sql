{{/* identify_create: creates, if missing, the landing table Table of identify calls: each call's event id, when
     it was received, the identifier whose profile answered it (type and normalized value) and the universal id
     answered, the run that confirmed it, and per id type of Columns the value given, as given. */}}
CREATE TABLE IF NOT EXISTS {{.Table}} (
  event_id {{typ "text"}},
  received_at {{typ "timestamp"}},
  answered_id {{typ "text"}},
  answered_type {{typ "text"}},
  answered_value {{typ "text"}},
  confirmed_run {{typ "int64"}}
{{- range .Columns}},
  {{q .}} {{typ "text"}}
{{- end}}
)
