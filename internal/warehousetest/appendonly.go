package warehousetest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/idstitch/idstitch/engine/plan"
	"github.com/idstitch/idstitch/engine/unionfind"
)

// testAppendGuarded: batches that only add rows, in a project with every guard an append-only
// batch can meet (limits, a hub limit, a block list and a pattern, the anonymous policy link).
// A batch whose merges break no limit and flip no hub decision takes the append-only path; one
// that breaks a limit, or makes a hub, goes back to the regions. After every batch the result is
// what a full rebuild gives.
func testAppendGuarded(t *testing.T, open Factory) {
	conn := open(t)
	defer conn.Close()
	row := wideRow
	// Columns: 0, 1 user_id; 2, 3 email; 4, 5 cookie.
	batches := []struct {
		rows []Row
		path string
		why  string
	}{
		{rows: []Row{
			row(1, map[int]string{0: "user_id-1", 2: "email-1", 4: "cookie-1"}),
			row(2, map[int]string{0: "user_id-2", 2: "email-2", 4: "cookie-2"}),
			row(3, map[int]string{2: "email-4", 4: "cookie-3"}),
		}},
		{path: plan.PathAppend, why: "merges user_id-1's profile with one without a user id, two emails in all, and adds values that are blocked", rows: []Row{
			row(10, map[int]string{2: "email-1", 4: "cookie-3"}),
			row(11, map[int]string{0: "user_id-3", 4: "cookie-5"}),
			row(12, map[int]string{2: "email-17", 4: "cookie-5"}),
			row(13, map[int]string{4: "cookie-2", 5: "cookie-6"}),
		}},
		{path: plan.PathRegions, why: "merges the profiles of user_id-1 and user_id-2, two user ids where the limit is one", rows: []Row{
			row(20, map[int]string{2: "email-2", 4: "cookie-1"}),
		}},
		{path: plan.PathAppend, why: "adds an email to cookie-5's profile", rows: []Row{
			row(25, map[int]string{2: "email-20", 4: "cookie-5"}),
		}},
		{path: plan.PathRegions, why: "gives cookie-5 a fourth partner, over its max_degree of three", rows: []Row{
			row(30, map[int]string{2: "email-21", 3: "email-22", 4: "cookie-5"}),
		}},
	}
	d := conn.Dialect()
	for _, schema := range []string{"inc", "full"} {
		mustExec(t, conn, d.DropTable(d.Table(schema+"_state", "meta")))
		for i := 0; i < 4; i++ {
			mustExec(t, conn, d.DropView(d.Table(schema, fmt.Sprintf("src_%d_stitched", i))))
		}
	}
	tb := Table{Name: "src_0", Columns: wideColumns, Types: wideTypes}
	r := rules{userLimit: 1, emailLimit: 2, maxDegree: 3, blockPattern: "7$", block: "user_id-3", anonymous: "link", ties: "nearest"}
	yaml := guardedYAML(r, ProjectYAML(randomTypes, []Table{tb}, d.DefaultSchema())) + "incremental:\n  lookback: 36h\n  append_only: always\n"
	inc := mustParse(t, strings.Replace(yaml, "schema: identity", "schema: inc", 1))
	full := mustParse(t, strings.Replace(yaml, "schema: identity", "schema: full", 1))
	var prev map[unionfind.ID]string
	for j, batch := range batches {
		tb.Rows = append(tb.Rows, batch.rows...)
		loadUnder(t, conn, []Table{tb}, "inc", "full")
		sum := StitchIncremental(t, conn, inc)
		if j > 0 && sum.Path != batch.path {
			t.Fatalf("batch %d %s: the run took path %q (%s), want %q", j, batch.why, sum.Path, sum.PathNote, batch.path)
		}
		Stitch(t, conn, full, plan.Contraction)
		got := published(t, conn, "inc", false)
		if !sameMapping(Published(t, conn, "inc"), Published(t, conn, "full")) {
			t.Fatalf("batch %d %s: the incremental id_graph differs from a full rebuild", j, batch.why)
		}
		if q, wq := quarantined(t, conn, "inc"), quarantined(t, conn, "full"); strings.Join(q, "\n") != strings.Join(wq, "\n") {
			t.Fatalf("batch %d %s: incremental id_quarantine:\n%s\nfull rebuild:\n%s", j, batch.why, strings.Join(q, "\n"), strings.Join(wq, "\n"))
		}
		sameTables(t, conn, j)
		if j > 0 {
			checkChanges(t, conn, "inc", sum.RunID, prev, got)
		}
		prev = got
	}
}
