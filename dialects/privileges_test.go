package dialects

import (
	"strings"
	"testing"
)

// The grants doctor prints quote every name as the warehouse reads it and name the principal as
// each warehouse's GRANT does.
func TestGrantSpelling(t *testing.T) {
	for _, tc := range []struct {
		got  []string
		want string
	}{
		{Postgres{}.GrantCreateSchema("analytics", "idstitch"), `GRANT CREATE ON DATABASE "analytics" TO "idstitch";`},
		{Postgres{}.GrantRead("raw.events", "idstitch"), `GRANT SELECT ON "raw"."events" TO "idstitch";`},
		{Snowflake{}.GrantWriteSchema("identity", "IDSTITCH_ROLE"), `GRANT USAGE, CREATE TABLE, CREATE VIEW ON SCHEMA "IDENTITY" TO ROLE "IDSTITCH_ROLE";`},
		{Snowflake{}.GrantRead("raw_db.web.events", "IDSTITCH_ROLE"), `GRANT USAGE ON DATABASE "RAW_DB" TO ROLE "IDSTITCH_ROLE";`},
		{Snowflake{}.GrantWarehouse("IDSTITCH_ROLE"), `TO ROLE "IDSTITCH_ROLE";`},
		{BigQuery{}.GrantRead("web.events", "sa@p.iam.gserviceaccount.com"), "GRANT `roles/bigquery.dataViewer` ON TABLE `web`.`events` TO \"serviceAccount:sa@p.iam.gserviceaccount.com\";"},
		{BigQuery{}.GrantWriteSchema("identity", "ana@example.com"), "TO \"user:ana@example.com\";"},
	} {
		if !strings.Contains(strings.Join(tc.got, "\n"), tc.want) {
			t.Errorf("%q lacks %q", tc.got, tc.want)
		}
	}
	if (Postgres{}).GrantWarehouse("r") != nil || (BigQuery{}).GrantWarehouse("r") != nil {
		t.Error("only Snowflake sessions need a virtual warehouse granted")
	}
}
