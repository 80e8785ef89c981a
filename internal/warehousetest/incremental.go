package warehousetest

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/engine/config"
	"github.com/idstitch/idstitch/engine/plan"
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
			out[j][i] = Table{Name: tb.Name, Columns: tb.Columns, Types: tb.Types, ScopeColumn: tb.ScopeColumn, Scope: tb.Scope}
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

// testIncremental: random event streams cut into random batches, with guards on in two examples of
// three and, in half of the examples, random scopes (drawScopes); now and then a batch loses a
// stored row. After every batch an incremental run gives exactly what a full rebuild over all rows
// so far gives (the partition, the universal ids, the quarantine, and the rows of id_graph,
// id_edges, profiles and the stored regions), and id_changes records every identifier whose
// universal id changed. Without guards or scopes, every batch that loses no row takes the
// append-only path, and every other batch does not.
func testIncremental(t *testing.T, open Factory) {
	conn := open(t)
	defer conn.Close()
	// paths counts the guarded batches open to the append-only path by whether they took it.
	paths := map[bool]int{}
	// The property's own t hides the test's, so that a failure in any helper is rapid's to shrink.
	rapid.Check(t, func(t *rapid.T) {
		tables := drawTables(t)
		sc := drawScopes(t, tables)
		scoped := sc != nil
		r := drawRules(t)
		if rapid.Bool().Draw(t, "anonymous link") {
			// More examples where the append-only path is open with guards.
			r.anonymous = "link"
		}
		// Without guards or scopes, a batch that only adds rows takes the append-only path.
		guarded := rapid.IntRange(0, 2).Draw(t, "guards") > 0
		// auto attempts the path unless a type has a limit (every guarded project here has two).
		appendOnly := rapid.SampledFrom([]string{"auto", "always", "never"}).Draw(t, "append_only")
		if guarded && rapid.Bool().Draw(t, "append_only always") {
			appendOnly = "always"
		}
		projects := func(r rules) (inc, full *config.Project) {
			yaml := ProjectYAML(randomTypes, tables, conn.Dialect().DefaultSchema())
			if guarded {
				yaml = guardedYAML(r, yaml)
			}
			if scoped {
				yaml = scopedYAML(sc, yaml)
			}
			yaml += fmt.Sprintf("incremental:\n  lookback: %dh\n  append_only: %s\n", int(lookback.Hours()), appendOnly)
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
		// Nor its overrides.
		setOverrides(t, conn, inc, nil)
		setOverrides(t, conn, full, nil)
		var prev map[unionfind.ID]string
		// Overrides come and go between runs (not with scopes, whose values they would have to
		// write qualified).
		overrides := guarded && !scoped && rapid.Bool().Draw(t, "overrides")
		var current []Override
		had := false // overrides were written in an earlier batch
		batches := stream(t, tables)
		for j, batch := range batches {
			// Now and then the stored row of the first source dated last goes: a batch that replaces
			// a stored row is no append-only batch. It comes back in the next batch.
			gone := j > 0 && rapid.IntRange(0, 3).Draw(t, "a stored row goes") == 0 && dropLatest(batches[j-1][0], &batch[0])
			if guarded && j > 0 && rapid.IntRange(0, 2).Draw(t, "change rules") == 0 {
				// The guard rules change (not the policies): the run stays incremental.
				next := drawRules(t)
				next.anonymous, next.ties = r.anonymous, r.ties
				r = next
				inc, full = projects(r)
			}
			loadUnder(t, conn, batch, "inc", "full")
			if overrides {
				current = drawOverrides(t, batch, current, j)
				setOverrides(t, conn, inc, current)
				setOverrides(t, conn, full, current)
			}
			sum := StitchIncremental(t, conn, inc)
			if j > 0 && sum.Mode != plan.ModeIncremental {
				t.Fatalf("batch %d: run was %s (%s), want incremental", j, sum.Mode, sum.Reason)
			}
			// The append-only path is open to a batch that replaces no stored row, in a project without
			// scopes, overrides or an anonymous policy, whose guard rules did not change. Without
			// guards the batch takes it; with them, a flipped hub decision or a broken limit sends
			// it back to the regions.
			// (Overrides, once written, may or may not leave the path open: skipped.)
			ctl := overrides && (had || len(current) > 0)
			had = had || len(current) > 0
			open := j > 0 && !scoped && !ctl && !sum.Rules.Any() && !replaces(batches[j-1], batch) && (!guarded && appendOnly != "never" || guarded && appendOnly == "always" && r.anonymous == "link")
			if took := sum.Path == plan.PathAppend; !ctl && (took && !open || !took && open && !guarded) {
				t.Fatalf("batch %d (guards %v, scopes %v, overrides %v, a stored row gone %v, path open %v): the run took path %q (%s)", j, guarded, scoped, overrides, gone, open, sum.Path, sum.PathNote)
			}
			if open && guarded {
				paths[sum.Path == plan.PathAppend]++
			}
			Stitch(t, conn, full, plan.Contraction)
			got, want := published(t, conn, "inc", scoped), published(t, conn, "full", scoped)
			for id, uid := range want {
				if got[id] != uid {
					t.Fatalf("batch %d: incremental gives %v universal id %q, a full rebuild %q", j, id, got[id], uid)
				}
			}
			if len(got) != len(want) {
				t.Fatalf("batch %d: incremental id_graph has %d identifiers, a full rebuild %d", j, len(got), len(want))
			}
			for _, schema := range []string{"inc", "full"} {
				if n := count(t, conn, fmt.Sprintf("SELECT COUNT(*) FROM (SELECT id_type, %[2]s FROM %[1]s GROUP BY id_type, %[2]s HAVING COUNT(*) > 1) d",
					conn.Dialect().Table(schema, plan.IDQuarantine), valueKey(conn.Dialect(), scoped))); n > 0 {
					t.Fatalf("batch %d: %s.id_quarantine lists %d identifiers twice", j, schema, n)
				}
			}
			if q, wq := quarantinedAs(t, conn, "inc", scoped), quarantinedAs(t, conn, "full", scoped); strings.Join(q, "\n") != strings.Join(wq, "\n") {
				t.Fatalf("batch %d: incremental id_quarantine:\n%s\nfull rebuild:\n%s", j, strings.Join(q, "\n"), strings.Join(wq, "\n"))
			}
			if overrides {
				if a, b := overrideStatuses(t, conn, "inc"), overrideStatuses(t, conn, "full"); fmt.Sprint(a) != fmt.Sprint(b) {
					t.Fatalf("batch %d: override statuses after the incremental run:\n%v\nafter a full rebuild:\n%v", j, a, b)
				}
			}
			sameTables(t, conn, j)
			checkChanges(t, conn, "inc", sum.RunID, prev, got)
			prev = got
		}
	})
	t.Logf("guarded batches open to the append-only path: %d took it, %d went back to the regions", paths[true], paths[false])
}

// checkChanges asserts that id_changes holds, for the run, a merge or split row from the old to
// the new universal id of every identifier whose id changed, and a quarantine row for every one
// that left the graph.
func checkChanges(t TB, conn connectors.Conn, schema string, runID int64, prev, cur map[unionfind.ID]string) {
	t.Helper()
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

// testRuleChangeMakesHubs: lowering max_degree turns a limit conflict into a hub whose partners
// all become hubs too, so that no recomputed row holds it; the incremental run must still drop
// its old quarantine row and equal a full rebuild.
func testRuleChangeMakesHubs(t *testing.T, open Factory) {
	conn := open(t)
	defer conn.Close()
	row := wideRow
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

// sameTables asserts that every table of the incremental schema that a batch's publish rewrites in
// part (the links, the mapping with its counts and times, the profiles, the stored regions) holds exactly the
// rows of the full rebuild's: a publish that keeps the rows it would write again unchanged must
// neither keep a stale one nor miss a new one.
func sameTables(t TB, conn connectors.Conn, batch int) {
	t.Helper()
	d := conn.Dialect()
	for _, tb := range []struct{ inc, full string }{
		{d.Table("inc", plan.IDEdges), d.Table("full", plan.IDEdges)},
		{d.Table("inc", plan.IDGraph), d.Table("full", plan.IDGraph)},
		{d.Table("inc", plan.Profiles), d.Table("full", plan.Profiles)},
		{d.Table("inc_state", "regions"), d.Table("full_state", "regions")},
	} {
		q := fmt.Sprintf("SELECT (SELECT COUNT(*) FROM (SELECT * FROM %[1]s EXCEPT ALL SELECT * FROM %[2]s) a) + (SELECT COUNT(*) FROM (SELECT * FROM %[2]s EXCEPT ALL SELECT * FROM %[1]s) b)", tb.inc, tb.full)
		if n := count(t, conn, q); n > 0 {
			t.Fatalf("batch %d: %s and %s differ in %d rows", batch, tb.inc, tb.full, n)
		}
	}
}

// dropLatest removes from cur, a copy of table prev as a later batch holds it, the row of prev
// dated last, and reports whether it did. That row was stored by prev's run and is within the
// window of cur's, since it is the watermark. It is removed only when it will also be within the
// next run's window, where it comes back: a row that comes back later than the lookback is missed
// by contract.
func dropLatest(prev Table, cur *Table) bool {
	if len(prev.Rows) == 0 {
		return false
	}
	latest := prev.Rows[0]
	for _, r := range prev.Rows[1:] {
		if r.TS.After(latest.TS) {
			latest = r
		}
	}
	rows := slices.Clone(cur.Rows)
	for i, r := range rows {
		if reflect.DeepEqual(r, latest) {
			rows = slices.Delete(rows, i, i+1)
			for _, o := range rows {
				if latest.TS.Before(o.TS.Add(-lookback)) {
					return false
				}
			}
			cur.Rows = rows
			return true
		}
	}
	return false
}

// replaces reports whether an incremental run over the tables cur, after a run over prev, replaces
// a stored row: whether, within some source's window (from its watermark less the lookback), a
// row that prev held is held by cur a different number of times. A row that arrives again, equal
// in every value and in time, changes the count of a stored row as surely as a row that goes.
func replaces(prev, cur []Table) bool {
	for i := range prev {
		if len(prev[i].Rows) == 0 {
			continue
		}
		wm := prev[i].Rows[0].TS
		for _, r := range prev[i].Rows {
			if r.TS.After(wm) {
				wm = r.TS
			}
		}
		counts := func(rows []Row) map[string]int {
			out := map[string]int{}
			for _, r := range rows {
				if !r.TS.Before(wm.Add(-lookback)) {
					out[fmt.Sprintf("%v %#v %#v", r.TS, r.Values, r.Scope)]++
				}
			}
			return out
		}
		now := counts(cur[i].Rows)
		for k, n := range counts(prev[i].Rows) {
			if now[k] != n {
				return true
			}
		}
	}
	return false
}
