package server

import (
	"fmt"
	"testing"

	"github.com/idstitch/idstitch/dialects"
	"github.com/idstitch/idstitch/engine/config"
	"github.com/idstitch/idstitch/engine/plan"
)

// TestRunsQueryAsBefore: the runs the API lists are read with the text the code building it in Go
// sent before, for a project with its own output schema.
func TestRunsQueryAsBefore(t *testing.T) {
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
		want := fmt.Sprintf(
			"SELECT run_id, started_at, finished_at, status, mode, rows_read, nodes, components, rounds, stage_seconds, quarantined, error FROM %s ORDER BY run_id DESC LIMIT 50",
			pl.OutputTable(plan.Runs))
		if got := runsQuery(pl); got != want {
			t.Errorf("%s:\n got %s\nwant %s", dn, got, want)
		}
	}
}
