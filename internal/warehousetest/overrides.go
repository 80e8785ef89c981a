package warehousetest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/dialects"
	"github.com/idstitch/idstitch/engine/check"
	"github.com/idstitch/idstitch/engine/config"
	"github.com/idstitch/idstitch/engine/lookup"
	"github.com/idstitch/idstitch/engine/plan"
	"github.com/idstitch/idstitch/engine/unionfind"
)

// Override is one row of the overrides table, as people write it.
type Override struct {
	ID, Kind     string
	TypeA, ValA  string
	TypeB, ValB  string
	By, Reason   string
	CreatedHours int
}

// setOverrides makes the overrides table of p's output schema hold exactly rows, creating it
// first if no run has.
func setOverrides(t TB, conn connectors.Conn, p *config.Project, rows []Override) {
	t.Helper()
	pl, err := plan.New(p, conn.Dialect(), plan.Contraction)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := check.Claim(context.Background(), conn, pl); err != nil {
		t.Fatal(err)
	}
	for _, s := range pl.ControlTables() {
		mustExec(t, conn, s.SQL)
	}
	d := conn.Dialect()
	table := d.Table(p.Output.Schema, plan.Overrides)
	mustExec(t, conn, "DELETE FROM "+table+" WHERE 1 = 1")
	lit := func(s string) string {
		if s == "" {
			return "NULL"
		}
		return d.String(s)
	}
	for _, o := range rows {
		mustExec(t, conn, fmt.Sprintf("INSERT INTO %s (override_id, kind, id_type_a, id_value_a, id_type_b, id_value_b, created_by, reason, created_at, status) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
			table, lit(o.ID), lit(o.Kind), lit(o.TypeA), lit(o.ValA), lit(o.TypeB), lit(o.ValB), lit(o.By), lit(o.Reason),
			d.Cast(d.String(base.Add(time.Duration(o.CreatedHours)*time.Hour).Format("2006-01-02 15:04:05")), dialects.Timestamp), lit("pending")))
	}
}

// overrideStatuses reads each override's status and detail: id → "status: detail".
func overrideStatuses(t TB, conn connectors.Conn, schema string) map[string]string {
	t.Helper()
	d := conn.Dialect()
	rows, err := conn.Query(context.Background(), "SELECT override_id, COALESCE(status, ''), COALESCE(status_detail, '') FROM "+d.Table(schema, plan.Overrides))
	if err != nil {
		t.Fatalf("read overrides: %v", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var id, status, detail string
		if err := rows.Scan(&id, &status, &detail); err != nil {
			t.Fatal(err)
		}
		out[id] = status + ": " + detail
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// testOverrides: a never_link splits the profile that holds both its identifiers, nearest
// anchor first; an always_link merges two profiles, its values normalized as their type says;
// one that a limit refuses is not applied and its row says why; invalid and waiting rows say so.
// Every run, incremental or full, applies them alike, and removing one undoes it.
func testOverrides(t *testing.T, open Factory) {
	conn := open(t)
	defer conn.Close()
	d := conn.Dialect()
	at := func(h int) time.Time { return base.Add(time.Duration(h) * time.Hour) }
	events := Table{Name: "ovr_events", Columns: []string{"user_id", "email", "anonymous_id"}, Types: []string{"user_id", "email", "anonymous_id"},
		Rows: []Row{
			// One gift-card email behind two anonymous visitors, with more rows on a1's side.
			{TS: at(1), Values: []any{nil, "gift@shop.com", "a1"}},
			{TS: at(2), Values: []any{nil, "gift@shop.com", "a1"}},
			{TS: at(3), Values: []any{nil, "gift@shop.com", "a2"}},
			{TS: at(4), Values: []any{nil, nil, "a2"}},
			{TS: at(4), Values: []any{nil, "x2@shop.com", "a2"}},
			// Two profiles that support confirmed are one customer.
			{TS: at(5), Values: []any{nil, "e3@shop.com", "a3"}},
			{TS: at(6), Values: []any{nil, "e4@shop.com", "a4"}},
			// Two profiles with a user id each: one user id per profile refuses their merge.
			{TS: at(7), Values: []any{"u5", "e5@shop.com", nil}},
			{TS: at(8), Values: []any{"u6", "e6@shop.com", nil}},
			// A value the project blocks, which an unblock will let in.
			{TS: at(9), Values: []any{nil, "spare@shop.com", "a5"}},
		}}
	types := []string{"user_id", "email", "anonymous_id"}
	yaml := ProjectYAML(types, []Table{events}, d.DefaultSchema())
	yaml = strings.Replace(yaml, "  - name: user_id\n", "  - name: user_id\n    limit: 1\n", 1)
	yaml = strings.Replace(yaml, "  - name: email\n", "  - name: email\n    normalize: [trim, lower]\n    block: [spare@shop.com]\n", 1)
	p := mustParse(t, yaml)
	full := mustParse(t, strings.Replace(yaml, "schema: identity", "schema: full", 1))
	loadUnder(t, conn, []Table{events}, "identity", "full")
	rows := []Override{
		{ID: "o1", Kind: "never_link", TypeA: "anonymous_id", ValA: "a1", TypeB: "anonymous_id", ValB: "a2", By: "ops", Reason: "gift card"},
		{ID: "o2", Kind: "always_link", TypeA: "email", ValA: "e3@shop.com", TypeB: "email", ValB: "  E4@Shop.com ", By: "support", Reason: "ticket 12"},
		{ID: "o3", Kind: "always_link", TypeA: "email", ValA: "e5@shop.com", TypeB: "email", ValB: "e6@shop.com", By: "support"},
		{ID: "o4", Kind: "always_link", TypeA: "shoe_size", ValA: "42", TypeB: "email", ValB: "e6@shop.com"},
		{ID: "o5", Kind: "never_link", TypeA: "email", ValA: "nobody@shop.com", TypeB: "email", ValB: "gift@shop.com"},
	}
	// The first run finds no state: its overrides apply in a full run.
	setOverrides(t, conn, p, rows)
	sum := StitchIncremental(t, conn, p)
	if sum.Result.Controls["never_link_splits"] != 1 {
		t.Fatalf("the run reports %v, want one profile split by a never_link", sum.Result.Controls)
	}
	want := [][]string{
		{"anonymous_id:a1", "email:gift@shop.com"},
		{"anonymous_id:a2", "email:x2@shop.com"},
		{"email:e3@shop.com", "anonymous_id:a3", "email:e4@shop.com", "anonymous_id:a4"},
		{"user_id:u5", "email:e5@shop.com"},
		{"user_id:u6", "email:e6@shop.com"},
		{"anonymous_id:a5"},
	}
	checkGroups(t, Published(t, conn, "identity"), want)
	st := overrideStatuses(t, conn, "identity")
	for id, w := range map[string]string{
		"o1": "applied: the identifiers are in different profiles",
		"o2": "applied: the identifiers are in one profile",
		"o3": "refused: together they would hold more than 1 user_id, over the limit per profile",
		"o4": "invalid: id_type_a names no id type of the project",
		"o5": "waiting: identifier a is not in the graph",
	} {
		if st[id] != w {
			t.Fatalf("override %s: status %q, want %q", id, st[id], w)
		}
	}
	if c := sum.Result.Controls; c["overrides_applied"] != 2 || c["overrides_refused"] != 1 || c["overrides_invalid"] != 1 || c["overrides_waiting"] != 1 {
		t.Fatalf("the run counts overrides %v", c)
	}
	// explain shows the overrides: the never_link beside two identifiers it keeps apart, the
	// always_link as a link of the chain.
	pl, err := plan.New(p, d, plan.Contraction)
	if err != nil {
		t.Fatal(err)
	}
	svc := lookup.Service{Planner: pl}
	ex, err := svc.Explain(context.Background(), conn, "anonymous_id", "a1", "anonymous_id", "a2")
	if err != nil {
		t.Fatal(err)
	}
	if ex.Linked || len(ex.Overrides) != 1 || ex.Overrides[0].ID != "o1" || ex.Overrides[0].Status != "applied" {
		t.Fatalf("explain a1 a2: linked %v, overrides %+v; want apart, with never_link o1 applied", ex.Linked, ex.Overrides)
	}
	ex, err = svc.Explain(context.Background(), conn, "email", "E3@shop.com", "anonymous_id", "a4")
	if err != nil {
		t.Fatal(err)
	}
	via := false
	for _, l := range ex.Chain {
		via = via || l.Sources == "override"
	}
	if !ex.Linked || !via || len(ex.Overrides) != 1 || ex.Overrides[0].ID != "o2" {
		t.Fatalf("explain e3 a4: linked %v, chain %+v, overrides %+v; want a chain through always_link o2", ex.Linked, ex.Chain, ex.Overrides)
	}
	// The link an always_link adds is evidence of its own.
	if n := count(t, conn, fmt.Sprintf("SELECT COUNT(*) FROM %s WHERE sources = 'override' AND row_count = 0", d.Table("identity", plan.IDEdges))); n != 1 {
		t.Fatalf("id_edges holds %d links made by an override alone, want 1", n)
	}

	// New rows that join both sides of the never_link again, run incrementally: still apart,
	// and equal to a full rebuild.
	events.Rows = append(events.Rows,
		Row{TS: at(20), Values: []any{nil, "gift@shop.com", "a2"}},
		Row{TS: at(21), Values: []any{nil, "e4@shop.com", "a9"}})
	loadUnder(t, conn, []Table{events}, "identity", "full")
	// current are the overrides of the full rebuild each incremental run is compared with.
	var current []Override
	sameAsFull := func(step string) map[unionfind.ID]string {
		t.Helper()
		sum := StitchIncremental(t, conn, p)
		if sum.Mode != plan.ModeIncremental {
			t.Fatalf("%s: the run was %s (%s), want incremental", step, sum.Mode, sum.Reason)
		}
		inc := Published(t, conn, "identity")
		setOverrides(t, conn, full, current)
		Stitch(t, conn, full, plan.Contraction)
		if want := Published(t, conn, "full"); !sameMapping(inc, want) {
			t.Fatalf("%s: incremental id_graph differs from a full rebuild:\n%v\n%v", step, inc, want)
		}
		return inc
	}
	current = rows
	got := sameAsFull("new rows")
	if got[unionfind.ID{Type: "anonymous_id", Value: "a1"}] == got[unionfind.ID{Type: "anonymous_id", Value: "a2"}] {
		t.Fatalf("new rows joined a1 and a2 again despite the never_link")
	}
	if got[unionfind.ID{Type: "anonymous_id", Value: "a9"}] != got[unionfind.ID{Type: "anonymous_id", Value: "a3"}] {
		t.Fatalf("a9, seen with e4, is not in the profile that the always_link made")
	}

	// Removing the never_link undoes it in the next incremental run; id_changes records the merge.
	current = rows[1:]
	setOverrides(t, conn, p, current)
	got = sameAsFull("never_link removed")
	if got[unionfind.ID{Type: "anonymous_id", Value: "a1"}] != got[unionfind.ID{Type: "anonymous_id", Value: "a2"}] {
		t.Fatalf("with the never_link removed, a1 and a2 are still apart")
	}
	if n := count(t, conn, fmt.Sprintf("SELECT COUNT(*) FROM %s WHERE kind = 'merge' AND run_id = (SELECT MAX(run_id) FROM %s)",
		d.Table("identity", plan.IDChanges), d.Table("identity", plan.IDChanges))); n == 0 {
		t.Fatalf("id_changes records no merge for the run that removed the never_link")
	}

	// A new always_link between two existing profiles, incrementally.
	current = append(current, Override{ID: "o6", Kind: "always_link", TypeA: "email", ValA: "x2@shop.com", TypeB: "user_id", ValB: "u6"})
	setOverrides(t, conn, p, current)
	got = sameAsFull("always_link added")
	if got[unionfind.ID{Type: "user_id", Value: "u6"}] != got[unionfind.ID{Type: "anonymous_id", Value: "a2"}] {
		t.Fatalf("the always_link added between x2 and u6 did not merge their profiles")
	}

	// A block keeps a value out, an unblock lets one in that the project blocks; the stored
	// rows are checked again, incrementally.
	current = append(current,
		Override{ID: "o7", Kind: "block", TypeA: "email", ValA: " E4@shop.com"},
		Override{ID: "o8", Kind: "unblock", TypeA: "email", ValA: "spare@shop.com"})
	setOverrides(t, conn, p, current)
	got = sameAsFull("block and unblock added")
	if _, in := got[unionfind.ID{Type: "email", Value: "e4@shop.com"}]; in {
		t.Fatalf("the blocked email e4 is still in the graph")
	}
	if q := quarantinedIDs(t, conn, "identity")[unionfind.ID{Type: "email", Value: "e4@shop.com"}]; !strings.HasPrefix(q, "blocked ") {
		t.Fatalf("the blocked email e4 is quarantined as %q, want blocked", q)
	}
	if got[unionfind.ID{Type: "email", Value: "spare@shop.com"}] == "" || got[unionfind.ID{Type: "email", Value: "spare@shop.com"}] != got[unionfind.ID{Type: "anonymous_id", Value: "a5"}] {
		t.Fatalf("the unblocked email spare is not in a5's profile")
	}
	if st := overrideStatuses(t, conn, "identity"); st["o2"] != "waiting: identifier b is not in the graph" || !strings.HasPrefix(st["o7"], "applied") {
		t.Fatalf("statuses after the block: %v", st)
	}
	// Removed again, both values are back as they were.
	current = current[:len(current)-2]
	setOverrides(t, conn, p, current)
	got = sameAsFull("block and unblock removed")
	if _, in := got[unionfind.ID{Type: "email", Value: "spare@shop.com"}]; in || got[unionfind.ID{Type: "email", Value: "e4@shop.com"}] == "" {
		t.Fatalf("after removing the block and the unblock, e4 in the graph: %v, spare: %v", got[unionfind.ID{Type: "email", Value: "e4@shop.com"}] != "", in)
	}
	// The overrides are written again as pending, and new rows touch neither side of the refused
	// always_link o3: the incremental run decides it again from the published profiles, and still
	// names the limit that refuses it.
	events.Rows = append(events.Rows, Row{TS: at(30), Values: []any{nil, nil, "a10"}})
	loadUnder(t, conn, []Table{events}, "identity", "full")
	setOverrides(t, conn, p, current)
	sameAsFull("overrides pending again, new rows elsewhere")
	if st := overrideStatuses(t, conn, "identity"); st["o3"] != "refused: together they would hold more than 1 user_id, over the limit per profile" {
		t.Fatalf("with o3 pending again, its status is %q, want the limit that refuses it", st["o3"])
	}
}

// drawOverrides changes the overrides before batch j: one may go, and up to two new ones (links,
// or now and then a block or an unblock) name identifiers of the batch's rows (or, now and
// then, one never seen).
func drawOverrides(t *rapid.T, batch []Table, current []Override, j int) []Override {
	if len(current) > 0 && rapid.IntRange(0, 2).Draw(t, "remove override") == 0 {
		i := rapid.IntRange(0, len(current)-1).Draw(t, "removed")
		current = append(append([]Override(nil), current[:i]...), current[i+1:]...)
	}
	var ids []unionfind.ID
	for _, tb := range batch {
		for _, r := range tb.Rows {
			for i, v := range r.Values {
				if s, ok := v.(string); ok && s != "" {
					ids = append(ids, unionfind.ID{Type: tb.Types[i], Value: s})
				}
			}
		}
	}
	if len(ids) == 0 {
		return current
	}
	pick := func(label string) unionfind.ID {
		if rapid.IntRange(0, 9).Draw(t, label+" unseen") == 0 {
			return unionfind.ID{Type: ids[0].Type, Value: "never-seen"}
		}
		return ids[rapid.IntRange(0, len(ids)-1).Draw(t, label)]
	}
	for k := rapid.IntRange(0, 2).Draw(t, "new overrides"); k > 0; k-- {
		a, b := pick("a"), pick("b")
		o := Override{ID: fmt.Sprintf("b%d-%d", j, k), Kind: rapid.SampledFrom([]string{"never_link", "always_link", "never_link", "always_link", "block", "unblock"}).Draw(t, "kind"),
			TypeA: a.Type, ValA: a.Value, TypeB: b.Type, ValB: b.Value, CreatedHours: j}
		if o.Kind == "block" || o.Kind == "unblock" {
			o.TypeB, o.ValB = "", ""
		}
		current = append(current, o)
	}
	return current
}

// testOverridesScoped: in a project with scopes, overrides name values as id_graph shows them,
// qualified; an always_link within a pool merges, one across pools is refused and says why.
func testOverridesScoped(t *testing.T, open Factory) {
	conn := open(t)
	defer conn.Close()
	d := conn.Dialect()
	at := func(h int) time.Time { return base.Add(time.Duration(h) * time.Hour) }
	events := Table{Name: "ovs_events", Columns: []string{"user_id", "email", "device_id"}, Types: []string{"user_id", "email", "device_id"}, ScopeColumn: "app_id",
		Rows: []Row{
			{TS: at(1), Scope: "app1", Values: []any{"u1", nil, "d1"}},
			{TS: at(2), Scope: "app2", Values: []any{"u2", nil, "d5"}},
			{TS: at(3), Scope: "app3", Values: []any{"u3", "e3", nil}},
			{TS: at(4), Scope: "app1", Values: []any{nil, "e1", "d1"}},
		}}
	types := []string{"user_id", "email", "device_id"}
	sc := &Scopes{Pools: map[string][]string{"games": {"app1", "app2"}, "brand_b": {"app3"}}, Local: map[string]bool{"device_id": true}}
	yaml := strings.Replace(scopedYAML(sc, ProjectYAML(types, []Table{events}, d.DefaultSchema())), "schema: identity", "schema: ovs", 1)
	p := mustParse(t, yaml)
	loadUnder(t, conn, []Table{events}, "ovs")
	setOverrides(t, conn, p, []Override{
		{ID: "within", Kind: "always_link", TypeA: "user_id", ValA: "games|u1", TypeB: "user_id", ValB: "games|u2"},
		{ID: "across", Kind: "always_link", TypeA: "user_id", ValA: "games|u1", TypeB: "user_id", ValB: "brand_b|u3"},
		{ID: "apart", Kind: "never_link", TypeA: "device_id", ValA: "app1|d1", TypeB: "email", ValB: "games|e1"},
		// Written without its qualifier: invalid, and the run goes on.
		{ID: "bare", Kind: "always_link", TypeA: "user_id", ValA: "u1", TypeB: "user_id", ValB: "games|u2"},
	})
	StitchIncremental(t, conn, p)
	checkGroups(t, PublishedScoped(t, conn, "ovs"), [][]string{
		{"user_id:games|u1", "device_id:app1|d1", "user_id:games|u2", "device_id:app2|d5"},
		{"email:games|e1"},
		{"user_id:brand_b|u3", "email:brand_b|e3"},
	})
	st := overrideStatuses(t, conn, "ovs")
	for id, w := range map[string]string{
		"within": "applied: the identifiers are in one profile",
		"across": "refused: the identifiers are in different pools, which no link crosses",
		"apart":  "applied: the identifiers are in different profiles",
		"bare":   "invalid: in a project with scopes, id_value_a is written qualified, as id_graph keys it: scope|value or pool|value",
	} {
		if st[id] != w {
			t.Fatalf("override %s: status %q, want %q", id, st[id], w)
		}
	}
}

// testBlockedHubLeaves: a hub that a block override keeps out of every row, in a run whose
// max_degree changed too, is a hub no longer: the incremental run quarantines it once, as
// blocked, as a full rebuild does.
func testBlockedHubLeaves(t *testing.T, open Factory) {
	conn := open(t)
	defer conn.Close()
	row := wideRow
	tb := Table{Name: "src_0", Columns: wideColumns, Types: wideTypes, Rows: []Row{
		row(1, map[int]string{0: "user_id-1", 4: "cookie-20"}),
		row(2, map[int]string{0: "user_id-2", 4: "cookie-20"}),
		row(3, map[int]string{2: "email-1", 4: "cookie-20"}),
		row(4, map[int]string{0: "user_id-1", 4: "cookie-21"}),
	}}
	d := conn.Dialect()
	for _, schema := range []string{"inc", "full"} {
		mustExec(t, conn, d.DropTable(d.Table(schema+"_state", "meta")))
		for i := 0; i < 4; i++ {
			mustExec(t, conn, d.DropView(d.Table(schema, fmt.Sprintf("src_%d_stitched", i))))
		}
	}
	loadUnder(t, conn, []Table{tb}, "inc", "full")
	for i, maxDegree := range []int{2, 1} {
		r := rules{userLimit: 2, emailLimit: 3, maxDegree: maxDegree, blockPattern: "7$", block: "user_id-3", anonymous: "link", ties: "nearest"}
		yaml := guardedYAML(r, ProjectYAML(randomTypes, []Table{tb}, d.DefaultSchema()))
		inc := mustParse(t, strings.Replace(yaml, "schema: identity", "schema: inc", 1))
		full := mustParse(t, strings.Replace(yaml, "schema: identity", "schema: full", 1))
		var rows []Override
		if i == 1 {
			rows = []Override{{ID: "b", Kind: "block", TypeA: "cookie", ValA: "cookie-20"}}
		}
		setOverrides(t, conn, inc, rows)
		setOverrides(t, conn, full, rows)
		sum := StitchIncremental(t, conn, inc)
		if i == 1 && (sum.Mode != plan.ModeIncremental || !sum.Rules.Degrees || !sum.Rules.Checks) {
			t.Fatalf("the run after the block and the new max_degree was %s (%s, %+v); want incremental, checking and deciding hubs again", sum.Mode, sum.Reason, sum.Rules)
		}
		Stitch(t, conn, full, plan.Contraction)
		want := map[int]string{0: "hub 3", 1: "blocked 3"}[i]
		if got := quarantinedIDs(t, conn, "inc")[unionfind.ID{Type: "cookie", Value: "cookie-20"}]; got != want {
			t.Fatalf("run %d: cookie-20 is quarantined as %q, want %q", i+1, got, want)
		}
		if q, wq := quarantined(t, conn, "inc"), quarantined(t, conn, "full"); strings.Join(q, "\n") != strings.Join(wq, "\n") {
			t.Fatalf("run %d: incremental id_quarantine:\n%s\nfull rebuild:\n%s", i+1, strings.Join(q, "\n"), strings.Join(wq, "\n"))
		}
	}
	// The schemas are shared with other cases: they start without this one's override.
	for _, schema := range []string{"inc", "full"} {
		setOverrides(t, conn, mustParse(t, strings.Replace(ProjectYAML(randomTypes, []Table{tb}, d.DefaultSchema()), "schema: identity", "schema: "+schema, 1)), nil)
	}
}
