{{/* watermark: a source's watermark, the latest timestamp among its stored rows (Table) that is not later
     than Horizon, the run's clock plus incremental.future_tolerance: a row dated further ahead would
     make every later run read only from its time on. */}}
SELECT MAX(ts) FROM {{.Table}} WHERE ts <= {{.Horizon}}
