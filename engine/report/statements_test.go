package report

import (
	"fmt"
	"testing"

	"github.com/idstitch/idstitch/dialects"
	"github.com/idstitch/idstitch/engine/config"
	"github.com/idstitch/idstitch/engine/plan"
	"github.com/idstitch/idstitch/engine/render"
	idsql "github.com/idstitch/idstitch/sql"
)

// TestStatementsAsBefore: the report's statements, rendered from their templates for a project
// with its own output schema, are the text that the code building them in Go sent before.
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
		r := render.ForProject(pl.Dialect, pl.Project)
		g, pr, q, runs := pl.OutputTable(plan.IDGraph), pl.OutputTable(plan.Profiles), pl.OutputTable(plan.IDQuarantine), pl.OutputTable(plan.Runs)
		for _, c := range []struct{ name, got, want string }{
			{"sizes", render.SQL(r, idsql.ReportSizes, idsql.ReportSizesData{}),
				"SELECT identifiers, COUNT(*) FROM " + pr + " GROUP BY identifiers ORDER BY identifiers"},
			{"types", render.SQL(r, idsql.ReportTypes, idsql.ReportTypesData{}),
				"SELECT id_type, COUNT(*) FROM " + g + " GROUP BY id_type ORDER BY id_type"},
			{"largest", render.SQL(r, idsql.ReportLargest, idsql.ReportLargestData{}),
				"SELECT universal_id, identifiers FROM " + pr + " ORDER BY identifiers DESC, universal_id LIMIT 10"},
			{"reasons", render.SQL(r, idsql.ReportReasons, idsql.ReportReasonsData{}),
				"SELECT reason, COUNT(*) FROM " + q + " GROUP BY reason ORDER BY reason"},
			{"quarantined", render.SQL(r, idsql.ReportQuarantined, idsql.ReportQuarantinedData{}),
				"SELECT reason, id_type, id_value, evidence FROM " + q + " ORDER BY evidence DESC, reason, id_type, id_value LIMIT 20"},
			{"runs", render.SQL(r, idsql.ReportRuns, idsql.ReportRunsData{}),
				"SELECT run_id, started_at, status, components, stage_seconds, quarantined FROM " + runs + " ORDER BY run_id DESC LIMIT 30"},
			{"changes", render.SQL(r, idsql.ReportChanges, idsql.ReportChangesData{Since: 1234567}),
				fmt.Sprintf("SELECT run_id, kind, COUNT(*) FROM %s WHERE run_id >= %d AND kind IN ('merge', 'split') GROUP BY run_id, kind",
					pl.OutputTable(plan.IDChanges), int64(1234567))},
		} {
			if c.got != c.want {
				t.Errorf("%s, %s:\n got %s\nwant %s", dn, c.name, c.got, c.want)
			}
		}
	}
}
