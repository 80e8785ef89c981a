package warehousetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/engine/config"
	"github.com/idstitch/idstitch/engine/plan"
	"github.com/idstitch/idstitch/engine/runner"
)

// testFailedRunKeepsOutputs: a run that fails before it publishes leaves the outputs of the last
// good run as they were, is recorded as failed, and leaves no half-built tables behind.
func testFailedRunKeepsOutputs(t *testing.T, open Factory) {
	conn := open(t)
	defer conn.Close()
	tables := chainTables(50)
	tables[0].Rows = append(tables[0].Rows, Row{TS: base, Values: []any{"x1", "x2"}})
	Load(t, conn, tables)
	yaml := ProjectYAML([]string{"node"}, tables, conn.Dialect().DefaultSchema())
	good := mustParse(t, yaml)
	Stitch(t, conn, good, plan.Contraction)
	before := Published(t, conn, good.Output.Schema)
	profiles := count(t, conn, "SELECT COUNT(*) FROM identity.profiles")

	// The filter binds (so it passes validation) but fails on the first row it converts.
	bad := mustParse(t, strings.Replace(yaml, "    timestamp: ts\n", "    timestamp: ts\n    filter: \"CAST(a AS INTEGER) > 0\"\n", 1))
	pl, err := plan.New(bad, conn.Dialect(), plan.Contraction)
	if err != nil {
		t.Fatal(err)
	}
	_, err = (&runner.Runner{Conn: conn, Planner: pl}).Run(context.Background())
	var se *runner.StageError
	if !errors.As(err, &se) || se.Stage != "extract" {
		t.Fatalf("run with a failing filter: got %v, want a failure in stage extract", err)
	}
	after := Published(t, conn, good.Output.Schema)
	if len(after) != len(before) {
		t.Fatalf("id_graph changed from %d to %d identifiers after a failed run", len(before), len(after))
	}
	for id, uid := range before {
		if after[id] != uid {
			t.Fatalf("id_graph changed for %v after a failed run", id)
		}
	}
	if n := count(t, conn, "SELECT COUNT(*) FROM identity.profiles"); n != profiles {
		t.Fatalf("profiles changed from %d to %d rows after a failed run", profiles, n)
	}
	if n := count(t, conn, fmt.Sprintf("SELECT COUNT(*) FROM identity.runs WHERE run_id = %d AND status = 'failed' AND error LIKE '%%extract%%'", se.RunID)); n != 1 {
		t.Fatalf("the failed run %d is not recorded as failed with its error in runs", se.RunID)
	}
	if n := count(t, conn, "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'identity' AND table_name LIKE '%next'"); n != 0 {
		t.Fatalf("a failed run left %d half-built tables in the output schema", n)
	}
	// The next good run completes.
	Stitch(t, conn, good, plan.Contraction)
}

// testReaderDuringPublish: a reader querying all the time while runs publish alternately a small
// and a big result sees one complete set of outputs or the other, never a mix.
func testReaderDuringPublish(t *testing.T, open Factory) {
	conn := open(t)
	defer conn.Close()
	small := chainTables(40)
	small[0].Name = "small"
	big := chainTables(400)
	big[0].Name = "big"
	Load(t, conn, append(small, big...))
	schema := conn.Dialect().DefaultSchema()
	// One project whose source table changes between runs (the source keeps its name, and so
	// its stitched view).
	bigYAML := strings.Replace(ProjectYAML([]string{"node"}, big, schema), "name: big", "name: small", 1)
	projects := []*config.Project{
		mustParse(t, ProjectYAML([]string{"node"}, small, schema)),
		mustParse(t, bigYAML),
	}
	Stitch(t, conn, projects[0], plan.Contraction)

	// A complete set of outputs: id_graph rows = the identifiers counted in profiles, and
	// id_edges holds one link fewer than identifiers (each input is one chain).
	const q = "SELECT (SELECT COUNT(*) FROM identity.id_graph), (SELECT SUM(identifiers) FROM identity.profiles), (SELECT COUNT(*) FROM identity.id_edges)"
	var stop atomic.Bool
	var wg sync.WaitGroup
	var reads atomic.Int64
	errs := make(chan error, 1)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for !stop.Load() {
			rows, err := conn.Query(context.Background(), q)
			if err != nil {
				errs <- fmt.Errorf("reader: %w", err)
				return
			}
			var ids, summed, edges int64
			rows.Next()
			err = rows.Scan(&ids, &summed, &edges)
			rows.Close()
			if err != nil {
				errs <- err
				return
			}
			if ids != summed || edges != ids-1 || (ids != 40 && ids != 400) {
				errs <- fmt.Errorf("reader saw a mixed state: %d identifiers, %d in profiles, %d edges", ids, summed, edges)
				return
			}
			reads.Add(1)
		}
	}()
	for i := 1; i <= 6; i++ {
		Stitch(t, conn, projects[i%2], plan.Contraction)
	}
	stop.Store(true)
	wg.Wait()
	select {
	case err := <-errs:
		t.Fatal(err)
	default:
	}
	if reads.Load() == 0 {
		t.Fatal("the reader never read")
	}
	t.Logf("%d consistent reads during 6 publishes", reads.Load())
}

// testKilledRuns: an incremental run stopped between any two statements (its context canceled)
// leaves the published outputs and the stored state as they were; the next run completes and
// equals a full rebuild.
func testKilledRuns(t *testing.T, open Factory) {
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
	inc := mustParse(t, strings.Replace(yaml, "schema: identity", "schema: killed", 1))
	full := mustParse(t, strings.Replace(yaml, "schema: identity", "schema: rebuilt", 1))
	loadUnder(t, conn, first, "killed", "rebuilt")
	Stitch(t, conn, inc, plan.Contraction)
	before := Published(t, conn, "killed")
	stateRows := func() int64 {
		return count(t, conn, "SELECT COUNT(*) FROM "+d.Table("killed_state", "rows_"+tables[0].Name))
	}
	rowsBefore := stateRows()
	loadUnder(t, conn, tables, "killed", "rebuilt")

	pl, err := plan.New(inc, d, plan.Contraction)
	if err != nil {
		t.Fatal(err)
	}
	for k := 1; ; k++ {
		ctx, cancel := context.WithCancel(context.Background())
		n := 0
		r := &runner.Runner{Conn: conn, Planner: pl, Trace: func(string, string, time.Duration) {
			if n++; n == k {
				cancel()
			}
		}}
		sum, err := r.Run(ctx)
		cancel()
		if err == nil {
			if k == 1 {
				t.Fatal("the run finished before it could be stopped")
			}
			if sum.Mode != plan.ModeIncremental {
				t.Fatalf("run after %d stopped ones was %s (%s), want incremental", k-1, sum.Mode, sum.Reason)
			}
			t.Logf("stopped after each of the first %d statements; run %d then completed", k-1, sum.RunID)
			break
		}
		var ce *connectors.Error
		if !errors.As(err, &ce) || ce.Kind != connectors.Canceled {
			t.Fatalf("run stopped after statement %d: want a cancellation, got %v", k, err)
		}
		if got := Published(t, conn, "killed"); !sameMapping(got, before) {
			t.Fatalf("a run stopped after statement %d changed the published id_graph", k)
		}
		if n := stateRows(); n != rowsBefore {
			t.Fatalf("a run stopped after statement %d changed the stored rows: %d, before %d", k, n, rowsBefore)
		}
	}
	Stitch(t, conn, full, plan.Contraction)
	if got, want := Published(t, conn, "killed"), Published(t, conn, "rebuilt"); !sameMapping(got, want) {
		t.Fatalf("after the stopped runs, the incremental result differs from a full rebuild")
	}
}
