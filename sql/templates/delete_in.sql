{{/* delete_in: deletes the rows of Table whose Column is in the work table From. */}}
DELETE FROM {{.Table}} WHERE {{.Column}} IN (SELECT {{.Column}} FROM {{work .From}})
