{{/* identify_event: the answer recorded in the landing table Table for the event id bound first. */}}
SELECT answered_id, answered_type, answered_value, received_at FROM {{.Table}} WHERE event_id = {{ph 1}}
