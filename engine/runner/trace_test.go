package runner_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/idstitch/idstitch/engine/plan"
	"github.com/idstitch/idstitch/engine/runner"
)

// TestTraceCoversThePublish: a traced run (run --verbose) reports the statements of its publish
// too, which are sent as a transaction: every statement of a full run's publish stage, and an
// incremental run's replacement of the rows of id_graph; and the commit, timed on its own.
func TestTraceCoversThePublish(t *testing.T) {
	conn, p := openLayoutDB(t, [][5]string{{"2024-01-01 00:00:00", "u1", "a@example.org", "d1", "a1"}})
	pl, err := plan.New(p, conn.Dialect(), plan.Contraction)
	if err != nil {
		t.Fatal(err)
	}
	for _, full := range []bool{true, false} {
		traced := map[string]bool{}
		r := &runner.Runner{Conn: conn, Planner: pl, Full: full, Trace: func(stage, sql string, _ time.Duration) {
			if stage == "publish" {
				traced[sql] = true
			}
		}}
		sum, err := r.Run(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if full {
			want, err := pl.Plan(sum.RunID)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, st := range want.Stages {
				if st.Name != "publish" {
					continue
				}
				for _, s := range st.Statements {
					n++
					if !traced[s.SQL] {
						t.Errorf("full run: the publish statement %q was not traced", firstLine(s.SQL))
					}
				}
			}
			if n == 0 {
				t.Fatal("the full plan has no publish statements")
			}
			if !traced["COMMIT"] {
				t.Error("full run: the commit of the publish was not traced")
			}
			insertEvents(t, conn, [][5]string{{"2024-01-02 00:00:00", "u2", "a@example.org", "d2", "a2"}})
			continue
		}
		found := false
		for sql := range traced {
			found = found || (strings.HasPrefix(sql, "DELETE FROM") && strings.Contains(firstLine(sql), `"id_graph"`))
		}
		if !found {
			t.Errorf("incremental run: no DELETE from id_graph among the %d traced publish statements", len(traced))
		}
	}
}

func firstLine(s string) string {
	first, _, _ := strings.Cut(s, "\n")
	return first
}
