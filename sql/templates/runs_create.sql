{{/* runs_create: creates, if missing, the published runs table: one row per run with its status, mode,
     counts, rounds, seconds per stage and error. */}}
CREATE TABLE IF NOT EXISTS {{out "runs"}} (
  run_id {{typ "int64"}},
  project {{typ "text"}},
  started_at {{typ "timestamp"}},
  finished_at {{typ "timestamp"}},
  status {{typ "text"}},
  mode {{typ "text"}},
  algorithm {{typ "text"}},
  rows_read {{typ "int64"}},
  nodes {{typ "int64"}},
  edges {{typ "int64"}},
  components {{typ "int64"}},
  largest_component {{typ "int64"}},
  rounds {{typ "int64"}},
  stage_seconds {{typ "text"}},
  error {{typ "text"}},
  quarantined {{typ "text"}}
)
