package warehousetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/dialects"
	"github.com/idstitch/idstitch/engine/config"
	"github.com/idstitch/idstitch/engine/plan"
	"github.com/idstitch/idstitch/engine/runner"
)

// PublishFaults fails a run at each statement of its publish in turn, full and incremental, as
// if the process died there: the failing statement and everything after it never reach the
// warehouse. For every such point it checks what readers see before the next run (every
// published table and view is there; a table is either as the last run left it or as this run
// built it, and an incremental publish is all one or all the other), then that the next run
// completes or redoes the work, so that outputs, state and views equal a clean full rebuild.
//
// It is meant for warehouses without transactional DDL, whose publish replaces tables one by
// one from a journal; a warehouse that has it passes too, its publish being one transaction.
func PublishFaults(t *testing.T, w Warehouse) {
	open := w.checkedOpen()
	for _, full := range []bool{true, false} {
		name := "incremental"
		if full {
			name = "full"
		}
		t.Run(name, func(t *testing.T) { testPublishFaults(t, open, full) })
	}
}

func testPublishFaults(t *testing.T, open Factory, full bool) {
	conn := open(t)
	defer conn.Close()
	d := conn.Dialect()
	tables := killTables()
	first := make([]Table, len(tables))
	for i, tb := range tables {
		first[i] = tb
		first[i].Rows = tb.Rows[:len(tb.Rows)*2/3]
	}
	yaml := ProjectYAML(randomTypes, tables, d.DefaultSchema())
	yaml = strings.Replace(yaml, "  - name: user_id\n", "  - name: user_id\n    limit: 1\n", 1)
	yaml = strings.Replace(yaml, "  - name: cookie\n", "  - name: cookie\n    max_degree: 3\n", 1)
	project := func(schema string) *config.Project {
		return mustParse(t, strings.Replace(yaml, "schema: identity", "schema: "+schema, 1))
	}
	// The answer: a clean full run over all the rows.
	Load(t, conn, tables)
	want := project("rebuilt")
	Stitch(t, conn, want, plan.Contraction)
	wantTables := snapshot(t, conn, want)

	for k := 1; ; k++ {
		schema := fmt.Sprintf("faulty%d", k)
		p := project(schema)
		Load(t, conn, first)
		Stitch(t, conn, p, plan.Contraction)
		before := snapshot(t, conn, p)
		Load(t, conn, tables)

		pl, err := plan.New(p, d, plan.Contraction)
		if err != nil {
			t.Fatal(err)
		}
		f := &faulty{Conn: conn, failAt: k}
		r := &runner.Runner{Conn: f, Planner: pl, Full: full, Progress: func(e runner.Event) {
			if e.Stage == "publish" && !e.Done && e.Round == 0 {
				f.arm()
			}
		}}
		sum, err := r.Run(context.Background())
		if err == nil {
			if !f.armed() {
				t.Fatal("the run never reached its publish")
			}
			if k == 1 {
				t.Fatal("the run published without a statement to fail")
			}
			if full && sum.Mode != plan.ModeFull || !full && sum.Mode != plan.ModeIncremental {
				t.Fatalf("the run was %s (%s)", sum.Mode, sum.Reason)
			}
			t.Logf("failed at each of the %d statements of the publish in turn", k-1)
			return
		}
		if !errors.Is(err, errInjected) {
			t.Fatalf("publish statement %d: the run failed otherwise than by the injected fault: %v", k, err)
		}

		// What readers see until the next run: each table as the last run left it or as this
		// run built it; for an incremental publish, which is one transaction, all of them the one
		// or all the other.
		gap := snapshot(t, conn, p)
		allBefore, allAfter := true, true
		for table, now := range gap {
			if strings.HasSuffix(table, "_stitched") {
				continue // a view reads the sources as they are now; it only has to be there
			}
			was, built := before[table], wantTables[table]
			isBefore, isAfter := slices.Equal(now, was), slices.Equal(now, built)
			if !isBefore && !isAfter {
				t.Fatalf("publish stopped at statement %d: readers see %s neither as the last run left it (%d rows) nor as this run built it (%d rows), but with %d rows",
					k, table, len(was), len(built), len(now))
			}
			allBefore = allBefore && isBefore
			allAfter = allAfter && isAfter
		}
		if !full && !allBefore && !allAfter {
			t.Fatalf("publish stopped at statement %d: readers see an incremental publish half done", k)
		}

		// The next run completes the publish (or redoes the run) first.
		next := StitchIncremental(t, conn, p)
		got := snapshot(t, conn, p)
		for table, rows := range wantTables {
			if !slices.Equal(got[table], rows) {
				t.Fatalf("publish stopped at statement %d, then run %d (%s; %s): %s has %d rows, a clean full rebuild %d",
					k, next.RunID, next.Mode, next.Completed, table, len(got[table]), len(rows))
			}
		}
		if n := count(t, conn, fmt.Sprintf("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema IN ('%s', '%s_state') AND table_name LIKE '%%next'", schema, schema)); n != 0 {
			t.Fatalf("publish stopped at statement %d: %d tables named *__next are left after the next run", k, n)
		}
		if pl.Journal().Needed() {
			if n := count(t, conn, "SELECT COUNT(*) FROM "+d.Table(schema+"_state", "publish_journal")); n != 0 {
				t.Fatalf("publish stopped at statement %d: the journal still holds %d statements after the next run", k, n)
			}
		}
	}
}

// errInjected is the failure faulty injects.
var errInjected = errors.New("injected fault: the process running the publish died here")

// faulty passes statements to Conn until it is armed, then fails the failAt-th statement from
// there and every statement after it, as a connection to a process that died would. A statement
// of a transaction counts on its own: the transaction then fails at that statement, so that
// the warehouse rolls back what it ran of it.
type faulty struct {
	connectors.Conn
	failAt int

	mu   sync.Mutex
	on   bool
	n    int
	dead bool
}

func (f *faulty) arm() { f.mu.Lock(); f.on = true; f.mu.Unlock() }

func (f *faulty) armed() bool { f.mu.Lock(); defer f.mu.Unlock(); return f.on }

// take counts n statements and returns how many of them may run before the fault, or -1 when
// they may all run.
func (f *faulty) take(n int) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.dead {
		return 0
	}
	if !f.on {
		return -1
	}
	if f.n+n < f.failAt {
		f.n += n
		return -1
	}
	ok := f.failAt - f.n - 1
	f.n += n
	f.dead = true
	return ok
}

func (f *faulty) Exec(ctx context.Context, q string, args ...any) error {
	if f.take(1) >= 0 {
		return errInjected
	}
	return f.Conn.Exec(ctx, q, args...)
}

func (f *faulty) Query(ctx context.Context, q string, args ...any) (connectors.Rows, error) {
	f.mu.Lock()
	dead := f.dead
	f.mu.Unlock()
	if dead {
		return nil, errInjected
	}
	return f.Conn.Query(ctx, q, args...)
}

func (f *faulty) ExecTx(ctx context.Context, qs []string) error {
	ok := f.take(len(qs))
	if ok < 0 {
		return f.Conn.ExecTx(ctx, qs)
	}
	if ok > 0 {
		// The transaction runs up to the failing statement, which fails on the warehouse, so
		// that the warehouse itself rolls back the rest.
		err := f.Conn.ExecTx(ctx, append(slices.Clone(qs[:ok]), "SELECT 1 FROM injected_fault_no_such_table"))
		if err == nil {
			return fmt.Errorf("the warehouse committed a transaction whose last statement failed")
		}
	}
	return errInjected
}

func (f *faulty) Dialect() dialects.Dialect { return f.Conn.Dialect() }

// snapshot reads every published table, each state table and each stitched view of p, as
// sorted rows without the columns that say when or by which run (those differ between two
// runs that publish the same result).
func snapshot(t TB, conn connectors.Conn, p *config.Project) map[string][]string {
	t.Helper()
	d := conn.Dialect()
	out := map[string][]string{}
	read := func(key, table string) {
		rows, err := conn.Query(context.Background(), "SELECT * FROM "+table)
		if err != nil {
			t.Fatalf("read %s: %v", table, err)
		}
		defer rows.Close()
		cols, err := rows.Columns()
		if err != nil {
			t.Fatal(err)
		}
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		list := []string{}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			var parts []string
			for i, c := range cols {
				switch strings.ToLower(c) {
				case "run_id", "entered_at", "exited_at", "changed_at":
					continue
				}
				parts = append(parts, fmt.Sprint(vals[i]))
			}
			list = append(list, strings.Join(parts, "|"))
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		sort.Strings(list)
		out[key] = list
	}
	for _, table := range plan.Published {
		read(table, d.Table(p.Output.Schema, table))
	}
	for _, s := range p.Sources {
		read(s.Name+"_stitched", d.Table(p.Output.Schema, s.Name+"_stitched"))
		read("state rows_"+s.Name, d.Table(p.Output.StateSchema, "rows_"+s.Name))
	}
	for _, table := range []string{"hubs", "qvalues", "regions"} {
		read("state "+table, d.Table(p.Output.StateSchema, table))
	}
	return out
}
