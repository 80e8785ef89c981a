package warehousetest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/dialects"
	"github.com/idstitch/idstitch/engine/check"
	"github.com/idstitch/idstitch/engine/config"
	"github.com/idstitch/idstitch/engine/lease"
	"github.com/idstitch/idstitch/engine/plan"
	"github.com/idstitch/idstitch/engine/runner"
	"github.com/idstitch/idstitch/internal/demogen"
)

// recording passes statements to Conn and counts them as Sent does: each Exec and Query is one,
// and each statement of an ExecTx. It is only a connectors.Conn: it neither parses nor rehearses,
// as the Snowflake and BigQuery connectors do not, so the checks send what they send there.
type recording struct {
	connectors.Conn

	mu                       sync.Mutex
	statements, transactions int
	texts                    []string
}

func (r *recording) note(qs ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.statements += len(qs)
	for _, q := range qs {
		first, _, _ := strings.Cut(strings.TrimSpace(q), "\n")
		r.texts = append(r.texts, first)
	}
}

func (r *recording) reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.statements, r.transactions, r.texts = 0, 0, nil
}

func (r *recording) Exec(ctx context.Context, q string, args ...any) error {
	r.note(q)
	return r.Conn.Exec(ctx, q, args...)
}

func (r *recording) Query(ctx context.Context, q string, args ...any) (connectors.Rows, error) {
	r.note(q)
	return r.Conn.Query(ctx, q, args...)
}

func (r *recording) ExecTx(ctx context.Context, qs []string) error {
	r.note(qs...)
	r.mu.Lock()
	r.transactions++
	r.mu.Unlock()
	return r.Conn.ExecTx(ctx, qs)
}

// started keeps the plan of the run.
type started struct{ plan *plan.Plan }

func (s *started) RunStarted(_ context.Context, st runner.Started)  { s.plan = st.Plan }
func (s *started) RunEnded(context.Context, *runner.Summary, error) {}

// testStatementCounts runs the demo project, guards and traits on, as `idstitch run` does (the
// checks of the sources, the run lease where several processes may write, the run) on a
// connection that records every statement, and compares what was sent with what
// runner.Sends, check.SourcesSends and lease.HoldSends predict for the plan the run made and the
// rounds each loop took: a full run, an incremental one after new rows, and one that reads
// overrides people wrote.
func testStatementCounts(t *testing.T, open Factory) {
	conn := open(t)
	defer conn.Close()
	ctx := context.Background()
	d := conn.Dialect()
	schema := d.DefaultSchema()
	o := demogen.Options{Persons: 300, Seed: 3, Schema: schema}
	if _, err := demogen.Generate(ctx, conn, o); err != nil {
		t.Fatal(err)
	}
	p := mustParse(t, demogen.Project(demogen.ProjectOptions{Name: "counted", Warehouse: "duckdb", Path: "unused.duckdb", Schema: schema, Guards: true, Traits: true}))
	rec := &recording{Conn: conn}
	// The first run finds no schemas: it makes them, and registers what it makes.
	countedRun(t, rec, p, true)
	for _, c := range []struct {
		name string
		full bool
		// before changes the data or the control tables first.
		before func()
	}{
		{"full", true, nil},
		{"incremental", false, func() {
			if _, err := demogen.Append(ctx, conn, o, 0.05); err != nil {
				t.Fatal(err)
			}
		}},
		{"incremental with overrides", false, func() {
			setOverrides(t, conn, p, []Override{{ID: "o1", Kind: "never_link", TypeA: "user_id", ValA: "u00000001", TypeB: "user_id", ValB: "u00000002", By: "test"}})
		}},
	} {
		if c.before != nil {
			c.before()
		}
		sent, rounds, predicted := countedRun(t, rec, p, c.full)
		t.Logf("%s run (loops' rounds %v): %d statements in %d transactions", c.name, rounds, sent.statements, sent.transactions)
		if sent.statements != predicted.statements || sent.transactions != predicted.transactions {
			t.Errorf("%s run (loops' rounds %v): sent %d statements in %d transactions, predicted %d in %d:\n%s\nsent:\n%s",
				c.name, rounds, sent.statements, sent.transactions, predicted.statements, predicted.transactions, predicted.explain, strings.Join(sent.texts, "\n"))
		}
	}
}

// prediction is what the counting functions say a run sends.
type prediction struct {
	statements, transactions int
	explain                  string
}

// countedRun runs p as `idstitch run` does and returns what the connection was sent, the rounds of
// each loop, and what was predicted.
func countedRun(t *testing.T, rec *recording, p *config.Project, full bool) (sent *recording, rounds map[string]int, want prediction) {
	t.Helper()
	ctx := context.Background()
	d := rec.Dialect()
	pl, err := plan.New(p, d, plan.Contraction)
	if err != nil {
		t.Fatal(err)
	}
	rec.reset()
	if err := check.Sources(ctx, rec, pl); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	add := func(what string, n, tx int) {
		want.statements += n
		want.transactions += tx
		fmt.Fprintf(&b, "  %-60s %4d %d\n", what, n, tx)
	}
	add("checks", check.SourcesSends(pl), 0)
	r := &runner.Runner{Conn: rec, Planner: pl, Full: full}
	if !d.Supports(dialects.SingleWriter) {
		release, claimed, err := lease.Hold(ctx, rec, pl, lease.Holder(), time.Minute, func(msg string, err error) { t.Errorf("%s: %v", msg, err) })
		if err != nil {
			t.Fatal(err)
		}
		// Given back when this function returns, before the caller reads the counts.
		defer release()
		r.Claimed = claimed
		add("lease", lease.HoldSends(pl)+lease.ReleaseSends, 0)
	}
	rounds = map[string]int{}
	r.Progress = func(e runner.Event) {
		if e.Round > rounds[e.Stage] {
			rounds[e.Stage] = e.Round
		}
	}
	st := &started{}
	r.Observer = st
	if _, err := r.Run(ctx); err != nil {
		t.Fatal(err)
	}
	for _, s := range r.Sends(st.plan, func(stage string) int { return rounds[stage] }) {
		add(s.Stage+": "+s.What, s.Statements, s.Transactions)
	}
	want.explain = b.String()
	return rec, rounds, want
}
