{{/* control_statuses: per status this run gave overrides, (overrides_<status>, how many), for the run's summary. */}}
SELECT {{concat "'overrides_'" "status"}} AS name, COUNT(*) AS n FROM {{work "ovr_status"}} GROUP BY status
