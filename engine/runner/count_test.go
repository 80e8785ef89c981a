package runner_test

import (
	"testing"

	"github.com/idstitch/idstitch/dialects"
	"github.com/idstitch/idstitch/engine/check"
	"github.com/idstitch/idstitch/engine/config"
	"github.com/idstitch/idstitch/engine/plan"
	"github.com/idstitch/idstitch/engine/runner"
)

// TestSetupSends: a run after the first sends each statement of the setup stage, except that it
// asks whether each of the three schemas exists instead of making it, where the dialect has a
// query for that (BigQuery's client asks its API), and attaches DuckDB's work database again.
// The recording runs of internal/warehousetest see only DuckDB's dialect; this is the count of
// the others'.
func TestSetupSends(t *testing.T) {
	p, err := config.Load("../plan/testdata/cases/minimal/idstitch.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for name, more := range map[string]int{"duckdb": 1, "postgres": 0, "snowflake": 0, "bigquery": -3} {
		d, _ := dialects.Lookup(name)
		pl, err := plan.New(p, d, plan.Contraction)
		if err != nil {
			t.Fatal(err)
		}
		pn, err := pl.Plan(0)
		if err != nil {
			t.Fatal(err)
		}
		r := &runner.Runner{Planner: pl, Full: true, Claimed: &check.Owned{}}
		want := len(pl.Setup().Statements) + more
		for _, s := range r.Sends(pn, func(string) int { return 3 }) {
			if s.Stage == "setup" && s.Statements != want {
				t.Errorf("%s: the setup stage sends %d statements, want %d", name, s.Statements, want)
			}
		}
	}
}
