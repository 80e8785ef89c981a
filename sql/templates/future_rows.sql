{{/* future_rows: how many of the rows a run read into Table are dated later than Horizon, the run's clock
     plus incremental.future_tolerance; they do not count toward the source's watermark. */}}
SELECT COUNT(*) FROM {{.Table}} WHERE ts > {{.Horizon}}
