package lookup

import (
	"fmt"
	"testing"

	"github.com/idstitch/idstitch/dialects"
	"github.com/idstitch/idstitch/engine/config"
	"github.com/idstitch/idstitch/engine/plan"
	"github.com/idstitch/idstitch/engine/render"
	idsql "github.com/idstitch/idstitch/sql"
)

// TestStatementsAsBefore: the lookup statements, rendered from their templates for a project with
// its own output schema, are the text that the code building them in Go sent before.
func TestStatementsAsBefore(t *testing.T) {
	p, err := config.Load("../plan/testdata/cases/expressions/idstitch.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, dn := range dialects.Names() {
		d, _ := dialects.Lookup(dn)
		pl, err := plan.New(p, d, plan.Contraction)
		if err != nil {
			t.Fatal(err)
		}
		r := pl.Renderer()
		for _, c := range []struct{ name, got, want string }{
			{"links", render.SQL(r, idsql.LookupLinks, idsql.LookupLinksData{}),
				fmt.Sprintf("SELECT id_type_a, id_value_a, id_type_b, id_value_b, row_count, sources, first_seen_at, last_seen_at FROM %s WHERE universal_id = %s",
					pl.OutputTable(plan.IDEdges), pl.Dialect.Placeholder(1))},
			{"value", render.SQL(r, idsql.LookupValue, idsql.LookupValueData{}),
				fmt.Sprintf("SELECT id_type, %s FROM %s WHERE id_value = %s", "universal_id", pl.OutputTable(plan.IDGraph), d.Placeholder(1))},
			{"quarantined", render.SQL(r, idsql.LookupQuarantined, idsql.LookupQuarantinedData{}),
				fmt.Sprintf("SELECT id_type, %s FROM %s WHERE id_value = %s", "reason, evidence", pl.OutputTable(plan.IDQuarantine), d.Placeholder(1))},
			{"profile", render.SQL(r, idsql.LookupProfile, idsql.LookupProfileData{}),
				fmt.Sprintf("SELECT * FROM %s WHERE universal_id = %s", pl.OutputTable(plan.Profiles), d.Placeholder(1))},
			{"count", render.SQL(r, idsql.LookupCount, idsql.LookupCountData{}),
				fmt.Sprintf("SELECT COUNT(*) FROM %s WHERE universal_id = %s", pl.OutputTable(plan.IDGraph), d.Placeholder(1))},
			{"last run", LastRun(pl),
				"SELECT COALESCE(MAX(run_id), 0) FROM " + pl.OutputTable(plan.Runs) + " WHERE status = 'success'"},
			{"memory profiles", render.SQL(r, idsql.MemoryProfiles, idsql.MemoryProfilesData{}),
				"SELECT * FROM " + pl.OutputTable(plan.Profiles)},
			{"memory identifiers", render.SQL(r, idsql.MemoryIdentifiers, idsql.MemoryIdentifiersData{}),
				"SELECT universal_id, id_type, id_value, first_seen_at, last_seen_at FROM " + pl.OutputTable(plan.IDGraph) +
					" ORDER BY universal_id, " + pl.Dialect.Bytewise("id_type") + ", " + pl.Dialect.Bytewise("id_value")},
			{"memory quarantine", render.SQL(r, idsql.MemoryQuarantine, idsql.MemoryQuarantineData{}),
				"SELECT id_type, id_value, reason, evidence FROM " + pl.OutputTable(plan.IDQuarantine)},
		} {
			if c.got != c.want {
				t.Errorf("%s, %s:\n got %s\nwant %s", dn, c.name, c.got, c.want)
			}
		}
	}
}
