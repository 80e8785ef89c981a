package e2e

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/engine/config"
	"github.com/idstitch/idstitch/engine/plan"
	"github.com/idstitch/idstitch/engine/runner"
	"github.com/idstitch/idstitch/engine/unionfind"
)

// lookback is the incremental window of the projects below.
const lookback = 36 * time.Hour

// stream cuts random tables into batches in time order, as rows would arrive. Some rows arrive
// one batch late, but never so late that they fall before their source's watermark less the
// lookback: a row older than that is, by contract, missed until a full run.
func stream(t *rapid.T, tables []Table) [][]Table {
	type arrival struct {
		src   int
		row   Row
		batch int
	}
	var all []arrival
	for i, tb := range tables {
		for _, r := range tb.Rows {
			// Hours within the day, so that the window cuts between rows of one day.
			r.TS = r.TS.Add(time.Duration(rapid.IntRange(0, 23).Draw(t, "hour")) * time.Hour)
			all = append(all, arrival{src: i, row: r})
		}
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].row.TS.Before(all[j].row.TS) })
	k := rapid.IntRange(1, 5).Draw(t, "batches")
	cuts := map[int]bool{}
	for i := 1; i < k; i++ {
		cuts[rapid.IntRange(0, len(all)).Draw(t, "cut")] = true
	}
	b := 0
	for i := range all {
		if cuts[i] {
			b++
		}
		all[i].batch = b
	}
	batches := b + 1
	// The latest timestamp of each source up to each batch, counting rows in their batch: the
	// watermark of a run is never later than this.
	wm := make([][]time.Time, batches)
	for j := range wm {
		wm[j] = make([]time.Time, len(tables))
		for _, a := range all {
			if a.batch <= j && a.row.TS.After(wm[j][a.src]) {
				wm[j][a.src] = a.row.TS
			}
		}
	}
	for i := range all {
		a := &all[i]
		if a.batch+1 < batches && rapid.IntRange(0, 5).Draw(t, "late") == 0 && !a.row.TS.Before(wm[a.batch][a.src].Add(-lookback)) {
			a.batch++
		}
	}
	out := make([][]Table, batches)
	for j := range out {
		out[j] = make([]Table, len(tables))
		for i, tb := range tables {
			out[j][i] = Table{Name: tb.Name, Columns: tb.Columns, Types: tb.Types}
		}
		// Cumulative: a source table holds every row that has arrived so far.
		for _, a := range all {
			if a.batch <= j {
				out[j][a.src].Rows = append(out[j][a.src].Rows, a.row)
			}
		}
	}
	return out
}

// testIncremental: random event streams cut into random batches, with guards on; after every
// batch an incremental run gives exactly what a full rebuild over all rows so far gives (the
// partition, the universal ids and the quarantine), and id_changes records every identifier
// whose universal id changed.
func testIncremental(t *testing.T, open Factory) {
	conn := open(t)
	defer conn.Close()
	rapid.Check(t, func(rt *rapid.T) {
		tables := drawTables(rt)
		r := drawRules(rt)
		projects := func(r rules) (inc, full *config.Project) {
			yaml := guardedYAML(r, ProjectYAML(randomTypes, tables, conn.Dialect().DefaultSchema()))
			yaml += fmt.Sprintf("incremental:\n  lookback: %dh\n", int(lookback.Hours()))
			return mustParse(t, strings.Replace(yaml, "schema: identity", "schema: inc", 1)), mustParse(t, strings.Replace(yaml, "schema: identity", "schema: full", 1))
		}
		inc, full := projects(r)
		// A fresh start: the state of an earlier example must not be built on.
		d := conn.Dialect()
		for _, schema := range []string{"inc", "full"} {
			mustExec(t, conn, d.DropTable(d.Table(schema+"_state", "meta")))
			// Every source an earlier example may have had (drawTables makes up to 4).
			for i := 0; i < 4; i++ {
				mustExec(t, conn, d.DropView(d.Table(schema, fmt.Sprintf("src_%d_stitched", i))))
			}
			mustExec(t, conn, d.DropTable(d.Table(schema, plan.IDGraph)))
		}
		var prev map[unionfind.ID]string
		for j, batch := range stream(rt, tables) {
			if j > 0 && rapid.IntRange(0, 2).Draw(rt, "change rules") == 0 {
				// The guard rules change (not the policies): the run stays incremental.
				next := drawRules(rt)
				next.anonymous, next.ties = r.anonymous, r.ties
				r = next
				inc, full = projects(r)
			}
			loadUnder(t, conn, batch, "inc", "full")
			sum := StitchIncremental(t, conn, inc)
			if j > 0 && sum.Mode != plan.ModeIncremental {
				rt.Fatalf("batch %d: run was %s (%s), want incremental", j, sum.Mode, sum.Reason)
			}
			Stitch(t, conn, full, plan.Contraction)
			got, want := Published(t, conn, "inc"), Published(t, conn, "full")
			for id, uid := range want {
				if got[id] != uid {
					rt.Fatalf("batch %d: incremental gives %v universal id %q, a full rebuild %q", j, id, got[id], uid)
				}
			}
			if len(got) != len(want) {
				rt.Fatalf("batch %d: incremental id_graph has %d identifiers, a full rebuild %d", j, len(got), len(want))
			}
			for _, schema := range []string{"inc", "full"} {
				if n := count(t, conn, fmt.Sprintf("SELECT COUNT(*) FROM (SELECT id_type, id_value FROM %s GROUP BY id_type, id_value HAVING COUNT(*) > 1) d",
					conn.Dialect().Table(schema, plan.IDQuarantine))); n > 0 {
					rt.Fatalf("batch %d: %s.id_quarantine lists %d identifiers twice", j, schema, n)
				}
			}
			if q, wq := quarantined(t, conn, "inc"), quarantined(t, conn, "full"); strings.Join(q, "\n") != strings.Join(wq, "\n") {
				rt.Fatalf("batch %d: incremental id_quarantine:\n%s\nfull rebuild:\n%s", j, strings.Join(q, "\n"), strings.Join(wq, "\n"))
			}
			checkChanges(rt, conn, "inc", sum.RunID, prev, got)
			prev = got
		}
	})
}

// rules are the guard settings of a random project.
type rules struct {
	userLimit, emailLimit, maxDegree int
	blockPattern, block              string
	anonymous, ties                  string
}

func drawRules(t *rapid.T) rules {
	return rules{
		userLimit:    rapid.IntRange(1, 2).Draw(t, "user limit"),
		emailLimit:   rapid.IntRange(1, 3).Draw(t, "email limit"),
		maxDegree:    rapid.IntRange(1, 6).Draw(t, "cookie max_degree"),
		blockPattern: rapid.SampledFrom([]string{"7$", "[05]$"}).Draw(t, "block_pattern"),
		block:        rapid.SampledFrom([]string{"user_id-3", "user_id-1"}).Draw(t, "block"),
		anonymous:    rapid.SampledFrom([]string{"link", "isolate"}).Draw(t, "anonymous"),
		ties:         rapid.SampledFrom([]string{"nearest", "isolate"}).Draw(t, "ties"),
	}
}

// guardedYAML adds guards to a project: limits, blocked values, a hub limit and policies.
func guardedYAML(r rules, yaml string) string {
	yaml = strings.Replace(yaml, "  - name: user_id\n", fmt.Sprintf("  - name: user_id\n    limit: %d\n", r.userLimit), 1)
	yaml = strings.Replace(yaml, "  - name: email\n", fmt.Sprintf("  - name: email\n    limit: %d\n    block_pattern: '%s'\n", r.emailLimit, r.blockPattern), 1)
	yaml = strings.Replace(yaml, "  - name: cookie\n", fmt.Sprintf("  - name: cookie\n    max_degree: %d\n    anonymous: true\n", r.maxDegree), 1)
	policy := fmt.Sprintf("policy:\n  anonymous: %s\n  limit_ties: %s\n  block: ['%s']\n", r.anonymous, r.ties, r.block)
	return strings.Replace(yaml, "id_types:\n", policy+"id_types:\n", 1)
}

// loadUnder loads tables after dropping the stitched views that the given output schemas hold
// on them (Postgres binds a view to its table).
func loadUnder(t testing.TB, conn connectors.Conn, tables []Table, schemas ...string) {
	t.Helper()
	d := conn.Dialect()
	for _, tb := range tables {
		for _, s := range schemas {
			mustExec(t, conn, d.DropView(d.Table(s, tb.Name+"_stitched")))
		}
	}
	Load(t, conn, tables)
}

// checkChanges asserts that id_changes holds, for the run, a merge or split row from the old to
// the new universal id of every identifier whose id changed, and a quarantine row for every one
// that left the graph.
func checkChanges(t *rapid.T, conn connectors.Conn, schema string, runID int64, prev, cur map[unionfind.ID]string) {
	d := conn.Dialect()
	rows, err := conn.Query(context.Background(), fmt.Sprintf("SELECT kind, COALESCE(old_universal_id, ''), COALESCE(new_universal_id, ''), identifiers FROM %s WHERE run_id = %d",
		d.Table(schema, plan.IDChanges), runID))
	if err != nil {
		t.Fatalf("read id_changes: %v", err)
	}
	defer rows.Close()
	recorded := map[[2]string]string{}
	moved := map[[2]string]int64{}
	for rows.Next() {
		var kind, from, to string
		var n int64
		if err := rows.Scan(&kind, &from, &to, &n); err != nil {
			t.Fatal(err)
		}
		recorded[[2]string{from, to}] = kind
		moved[[2]string{from, to}] = n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	want := map[[2]string]int64{}
	for id, old := range prev {
		now, ok := cur[id]
		switch {
		case !ok:
			want[[2]string{old, ""}]++
		case now != old:
			want[[2]string{old, now}]++
		}
	}
	for k, n := range want {
		kind := recorded[k]
		if k[1] == "" && kind != "quarantine" || k[1] != "" && kind != "merge" && kind != "split" {
			t.Fatalf("run %d: %d identifiers moved from %q to %q; id_changes records %q", runID, n, k[0], k[1], kind)
		}
		if moved[k] != n {
			t.Fatalf("run %d: %d identifiers moved from %q to %q; id_changes says %d", runID, n, k[0], k[1], moved[k])
		}
	}
	for k, kind := range recorded {
		if kind != "new" && want[k] == 0 {
			t.Fatalf("run %d: id_changes records a %s from %q to %q that did not happen", runID, kind, k[0], k[1])
		}
	}
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

func sameMapping(a, b map[unionfind.ID]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// killTables is a fixed random graph with wide rows in time order, for the tests that stop runs.
func killTables() []Table {
	r := rand.New(rand.NewPCG(7, 7))
	tb := Table{Name: "killed_rows", Columns: wideColumns, Types: wideTypes}
	for i := 0; i < 600; i++ {
		vals := make([]any, len(wideColumns))
		for j := 0; j < 2+r.IntN(3); j++ {
			c := r.IntN(len(wideColumns))
			vals[c] = fmt.Sprintf("%s-%d", wideTypes[c], r.IntN(400))
		}
		tb.Rows = append(tb.Rows, Row{TS: base.Add(time.Duration(i) * 15 * time.Minute), Values: vals})
	}
	return []Table{tb}
}

// testRuleChangeMakesHubs: lowering max_degree turns a limit conflict into a hub whose partners
// all become hubs too, so that no recomputed row holds it; the incremental run must still drop
// its old quarantine row and equal a full rebuild.
func testRuleChangeMakesHubs(t *testing.T, open Factory) {
	conn := open(t)
	defer conn.Close()
	row := func(hour int, vals map[int]string) Row {
		v := make([]any, len(wideColumns))
		for i, s := range vals {
			v[i] = s
		}
		return Row{TS: base.Add(time.Duration(hour) * time.Hour), Values: v}
	}
	// user-1 — cookie-21 — cookie-20 — cookie-22 — user-2: with one user_id per profile and ties
	// isolated, cookie-20 is as near to both users and is quarantined as a limit conflict.
	tb := Table{Name: "src_0", Columns: wideColumns, Types: wideTypes, Rows: []Row{
		row(1, map[int]string{0: "user_id-1", 4: "cookie-21"}),
		row(2, map[int]string{4: "cookie-21", 5: "cookie-20"}),
		row(3, map[int]string{4: "cookie-20", 5: "cookie-22"}),
		row(4, map[int]string{0: "user_id-2", 4: "cookie-22"}),
	}}
	d := conn.Dialect()
	for _, schema := range []string{"inc", "full"} {
		mustExec(t, conn, d.DropTable(d.Table(schema+"_state", "meta")))
		for i := 0; i < 4; i++ {
			mustExec(t, conn, d.DropView(d.Table(schema, fmt.Sprintf("src_%d_stitched", i))))
		}
	}
	loadUnder(t, conn, []Table{tb}, "inc", "full")
	for i, maxDegree := range []int{6, 1} {
		r := rules{userLimit: 1, emailLimit: 3, maxDegree: maxDegree, blockPattern: "7$", block: "user_id-3", anonymous: "link", ties: "isolate"}
		yaml := guardedYAML(r, ProjectYAML(randomTypes, []Table{tb}, d.DefaultSchema()))
		inc := mustParse(t, strings.Replace(yaml, "schema: identity", "schema: inc", 1))
		full := mustParse(t, strings.Replace(yaml, "schema: identity", "schema: full", 1))
		sum := StitchIncremental(t, conn, inc)
		if i == 1 && (sum.Mode != plan.ModeIncremental || !sum.Rules.Degrees) {
			t.Fatalf("the run after lowering max_degree was %s (%s); want incremental, deciding hubs again", sum.Mode, sum.Reason)
		}
		Stitch(t, conn, full, plan.Contraction)
		q, wq := quarantined(t, conn, "inc"), quarantined(t, conn, "full")
		if strings.Join(q, "\n") != strings.Join(wq, "\n") {
			t.Fatalf("max_degree %d: incremental id_quarantine:\n%s\nfull rebuild:\n%s", maxDegree, strings.Join(q, "\n"), strings.Join(wq, "\n"))
		}
		if want := map[int]string{6: "limit_conflict 2", 1: "hub 2"}[maxDegree]; quarantinedIDs(t, conn, "full")[unionfind.ID{Type: "cookie", Value: "cookie-20"}] != want {
			t.Fatalf("max_degree %d: cookie-20 is quarantined as %q, want %q", maxDegree, quarantinedIDs(t, conn, "full")[unionfind.ID{Type: "cookie", Value: "cookie-20"}], want)
		}
		if !sameMapping(Published(t, conn, "inc"), Published(t, conn, "full")) {
			t.Fatalf("max_degree %d: incremental id_graph differs from a full rebuild", maxDegree)
		}
	}
}
