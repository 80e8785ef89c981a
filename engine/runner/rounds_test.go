package runner_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/idstitch/idstitch/engine/plan"
	"github.com/idstitch/idstitch/engine/runner"
)

// TestRoundsAreContractions: a run reports the rounds of its components stage, as the runs table
// documents, even when a later loop (here the one that splits a profile over its user_id limit,
// which takes a round per step along a chain) runs longer.
func TestRoundsAreContractions(t *testing.T) {
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var rows [][5]string
	// A chain of 40 devices linked by emails, with a user id at each end: one component that
	// the limit of one user_id per profile splits.
	for i := 0; i < 40; i++ {
		u := ""
		if i == 0 {
			u = "u-first"
		}
		rows = append(rows, [5]string{at.Add(time.Duration(i) * time.Minute).Format("2006-01-02 15:04:05"), u, fmt.Sprintf("e%d@example.org", i), fmt.Sprintf("d%d", i), ""})
		rows = append(rows, [5]string{at.Add(time.Duration(i) * time.Minute).Format("2006-01-02 15:04:05"), "", fmt.Sprintf("e%d@example.org", i), fmt.Sprintf("d%d", i+1), ""})
	}
	rows = append(rows, [5]string{at.Add(time.Hour).Format("2006-01-02 15:04:05"), "u-last", "", "d40", ""})
	conn, p := openLayoutDB(t, rows)
	pl, err := plan.New(p, conn.Dialect(), plan.Contraction)
	if err != nil {
		t.Fatal(err)
	}
	most := map[string]int{}
	r := &runner.Runner{Conn: conn, Planner: pl, Full: true, Progress: func(e runner.Event) {
		most[e.Stage] = max(most[e.Stage], e.Round)
	}}
	sum, err := r.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if most["components"] == 0 {
		t.Fatalf("the components stage reported no rounds: %v", most)
	}
	longer := false
	for stage, n := range most {
		longer = longer || (stage != "components" && n > most["components"])
	}
	if !longer {
		t.Fatalf("no loop after the components ran longer than they did (%v), so this test checks nothing", most)
	}
	if sum.Result.Rounds != most["components"] {
		t.Errorf("the run reports %d rounds, the components stage took %d (rounds per stage %v)", sum.Result.Rounds, most["components"], most)
	}
	if got := query(t, conn, "SELECT CAST(rounds AS TEXT), '', '' FROM identity.runs"); strings.Join(got, " ") != fmt.Sprintf("%d||", most["components"]) {
		t.Errorf("runs.rounds: %v; want %d", got, most["components"])
	}
}

// TestWorkTablesDropped: on DuckDB the tables of the contraction rounds (each round's map and
// edges) are dropped once the components are labelled, whichever loop made them, and the other
// work tables once nothing reads them, instead of holding memory and disk until the next run.
func TestWorkTablesDropped(t *testing.T) {
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Format("2006-01-02 15:04:05")
	var rows [][5]string
	for i := 0; i < 30; i++ {
		rows = append(rows, [5]string{at, "", fmt.Sprintf("e%d@example.org", i), fmt.Sprintf("d%d", i), fmt.Sprintf("a%d", i)})
		rows = append(rows, [5]string{at, "", fmt.Sprintf("e%d@example.org", i), fmt.Sprintf("d%d", i+1), ""})
	}
	conn, p := openLayoutDB(t, rows)
	sum := run(t, conn, p, true)
	if sum.Result.Rounds == 0 {
		t.Fatal("the run took no contraction rounds, so this test checks nothing")
	}
	left := query(t, conn, `SELECT table_schema, table_name, '' FROM information_schema.tables
		WHERE regexp_matches(table_name, '^[a-z]+_(map|edges)_[0-9]+$')`)
	if len(left) > 0 {
		t.Fatalf("after %d rounds these round tables are still there: %v", sum.Result.Rounds, left)
	}
	// The other work tables that nothing reads after the outputs are gone too: the identifiers, the
	// links and the components, the largest of them.
	if got := query(t, conn, `SELECT table_name, '', '' FROM information_schema.tables WHERE table_name IN ('nodes', 'edges', 'labels', 'graph')`); len(got) > 0 {
		t.Fatalf("work tables left after the run that nothing reads any more: %v", got)
	}
}
