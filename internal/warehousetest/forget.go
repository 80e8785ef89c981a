package warehousetest

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/dialects"
	"github.com/idstitch/idstitch/engine/config"
	"github.com/idstitch/idstitch/engine/control"
	"github.com/idstitch/idstitch/engine/plan"
	"github.com/idstitch/idstitch/engine/unionfind"
)

// testForget: after a request to forget an email and one incremental run, no table or view of
// the output, state and work schemas holds the email (as written or normalized) or the universal
// id derived from it; the profile it anchored is split and renamed; the profiles equal a full
// rebuild over the data without the rows that held it; forget_audit holds its salted hash only.
// The email arriving again stays out until the request is withdrawn.
func testForget(t *testing.T, open Factory) {
	conn := open(t)
	defer conn.Close()
	d := conn.Dialect()
	ctx := context.Background()
	at := func(h int) time.Time { return base.Add(time.Duration(h) * time.Hour) }
	const raw, email = " Xavier@Mail.COM", "xavier@mail.com"
	events := Table{Name: "fg_events", Columns: []string{"user_id", "email", "anonymous_id"}, Types: []string{"user_id", "email", "anonymous_id"},
		Rows: []Row{
			{TS: at(1), Values: []any{nil, raw, "a1"}},
			{TS: at(2), Values: []any{"u1", email, nil}},
			{TS: at(3), Values: []any{"u1", nil, "a2"}},
			{TS: at(4), Values: []any{nil, nil, "a1"}},
			{TS: at(5), Values: []any{"u9", "yan@mail.com", "a9"}},
		}}
	crm := Table{Name: "fg_crm", Columns: []string{"email"}, Types: []string{"email"},
		Rows: []Row{{TS: at(6), Values: []any{strings.ToUpper(email)}}, {TS: at(7), Values: []any{"yan@mail.com"}}}}
	types := []string{"user_id", "email", "anonymous_id"}
	yaml := ProjectYAML(types, []Table{events, crm}, d.DefaultSchema())
	yaml = strings.Replace(yaml, "  - name: email\n", "  - name: email\n    normalize: [trim, lower]\n", 1)
	yaml = strings.Replace(yaml, "schema: identity", "schema: fg", 1)
	yaml += "audiences:\n  - name: everyone\n    where: \"identifiers >= 1\"\n"
	p := mustParse(t, yaml)
	pl, err := plan.New(p, d, plan.Contraction)
	if err != nil {
		t.Fatal(err)
	}
	loadUnder(t, conn, []Table{events, crm}, "fg")
	StitchIncremental(t, conn, p)
	before := Published(t, conn, "fg")
	anchored := hexMD5(p.Output.IDSalt + "|email|" + email)
	if before[unionfind.ID{Type: "email", Value: email}] != anchored {
		t.Fatalf("the email's profile is %s, want the id it anchors, %s", before[unionfind.ID{Type: "email", Value: email}], anchored)
	}
	// An override naming the email is forgotten with it.
	setOverrides(t, conn, p, []Override{{ID: "o1", Kind: "always_link", TypeA: "email", ValA: email, TypeB: "anonymous_id", ValB: "a9", Reason: "ticket"}})
	StitchIncremental(t, conn, p)

	if _, err := control.AddForget(ctx, conn, pl, control.Forget, []control.Identifier{{Type: "email", Value: raw}}, "dpo"); err != nil {
		t.Fatal(err)
	}
	// A request written by hand that names no id type of the project cannot be carried out: it
	// stays, counted, not dropped.
	mustExec(t, conn, "INSERT INTO "+d.Table("fg", plan.ForgetRequests)+" (request_id, action, id_type, id_value) VALUES ('bulk-1', 'forget', 'shoe_size', '42')")
	sum := StitchIncremental(t, conn, p)
	if sum.Mode != plan.ModeIncremental {
		t.Fatalf("the run after the request was %s (%s), want incremental", sum.Mode, sum.Reason)
	}
	if c := sum.Result.Controls; c["forgotten_identifiers"] != 1 || c["forgotten_rows"] != 3 || c["forget_invalid"] != 1 {
		t.Fatalf("the run reports %v; want 1 identifier, the 3 stored rows that held it and 1 invalid request", c)
	}
	for _, needle := range []string{raw, strings.TrimSpace(raw), email, anchored} {
		if where := findEverywhere(t, conn, p, needle); len(where) > 0 {
			t.Fatalf("after forgetting, %q is still in %s", needle, strings.Join(where, ", "))
		}
	}
	got := Published(t, conn, "fg")
	checkGroups(t, got, [][]string{
		{"user_id:u1", "anonymous_id:a2"},
		{"anonymous_id:a1"},
		{"user_id:u9", "email:yan@mail.com", "anonymous_id:a9"},
	})
	// A full rebuild over the rows that never held the email publishes the same profiles.
	clean := func(tb Table) Table {
		out := Table{Name: tb.Name + "_clean", Columns: tb.Columns, Types: tb.Types}
		for _, r := range tb.Rows {
			held := false
			for _, v := range r.Values {
				if s, ok := v.(string); ok && strings.ToLower(strings.TrimSpace(s)) == email {
					held = true
				}
			}
			if !held {
				out.Rows = append(out.Rows, r)
			}
		}
		return out
	}
	ce, cc := clean(events), clean(crm)
	loadUnder(t, conn, []Table{ce, cc}, "fg_clean")
	cy := ProjectYAML(types, []Table{ce, cc}, d.DefaultSchema())
	cy = strings.Replace(cy, "  - name: email\n", "  - name: email\n    normalize: [trim, lower]\n", 1)
	cy = strings.Replace(cy, "schema: identity", "schema: fg_clean", 1)
	cp := mustParse(t, cy)
	Stitch(t, conn, cp, plan.Contraction)
	if want := Published(t, conn, "fg_clean"); !sameMapping(got, want) {
		t.Fatalf("after forgetting, id_graph:\n%v\na full rebuild without the rows:\n%v", got, want)
	}
	if a, b := profileRows(t, conn, "fg"), profileRows(t, conn, "fg_clean"); a != b {
		t.Fatalf("after forgetting, profiles:\n%s\na full rebuild without the rows:\n%s", a, b)
	}
	// The audit holds the salted hash and the times only.
	hash := hexMD5(p.Output.IDSalt + "|forget|email|" + email)
	if n := count(t, conn, fmt.Sprintf("SELECT COUNT(*) FROM %s WHERE value_hash = '%s' AND requested_at IS NOT NULL AND run_id = %d", d.Table("fg", plan.ForgetAudit), hash, sum.RunID)); n != 1 {
		t.Fatalf("forget_audit holds %d rows of the email's salted hash for run %d, want 1", n, sum.RunID)
	}
	if n := count(t, conn, "SELECT COUNT(*) FROM "+d.Table("fg", plan.ForgetRequests)+" WHERE request_id <> 'bulk-1'"); n != 0 {
		t.Fatalf("forget_requests still holds %d requests it carried out", n)
	}
	mustExec(t, conn, "DELETE FROM "+d.Table("fg", plan.ForgetRequests)+" WHERE request_id = 'bulk-1'")

	// The email arrives again: it stays out, and so do the rows that hold it.
	events.Rows = append(events.Rows, Row{TS: at(30), Values: []any{nil, email, "a7"}})
	loadUnder(t, conn, []Table{events, crm}, "fg")
	StitchIncremental(t, conn, p)
	got = Published(t, conn, "fg")
	if _, ok := got[unionfind.ID{Type: "anonymous_id", Value: "a7"}]; ok {
		t.Fatalf("a row holding the forgotten email was stitched")
	}
	if where := findEverywhere(t, conn, p, email); len(where) > 0 {
		t.Fatalf("the forgotten email came back in %s", strings.Join(where, ", "))
	}
	// Withdrawn, it comes back with the rows read from then on.
	if _, err := control.AddForget(ctx, conn, pl, control.Withdraw, []control.Identifier{{Type: "email", Value: email}}, "dpo"); err != nil {
		t.Fatal(err)
	}
	events.Rows = append(events.Rows, Row{TS: at(40), Values: []any{nil, email, "a8"}})
	loadUnder(t, conn, []Table{events, crm}, "fg")
	sum = StitchIncremental(t, conn, p)
	got = Published(t, conn, "fg")
	if got[unionfind.ID{Type: "email", Value: email}] == "" || got[unionfind.ID{Type: "email", Value: email}] != got[unionfind.ID{Type: "anonymous_id", Value: "a8"}] {
		t.Fatalf("after the withdrawal, the email seen again with a8 is not stitched (%v)", got)
	}
	if n := count(t, conn, "SELECT COUNT(*) FROM "+d.Table("fg", plan.ForgetAudit)); n != 0 {
		t.Fatalf("forget_audit holds %d rows after the withdrawal", n)
	}
}

func hexMD5(s string) string {
	h := md5.Sum([]byte(s))
	return hex.EncodeToString(h[:])
}

// profileRows lists the profiles table as sorted lines of its id, size and first and last seen.
func profileRows(t TB, conn connectors.Conn, schema string) string {
	t.Helper()
	rows, err := conn.Query(context.Background(), "SELECT universal_id, identifiers, first_seen_at, last_seen_at FROM "+conn.Dialect().Table(schema, plan.Profiles))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var uid string
		var n int64
		var first, last *time.Time
		if err := rows.Scan(&uid, &n, &first, &last); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s %d %v %v", uid, n, first, last))
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}

// findEverywhere reads every row of every table and view of the project's output, state and
// work schemas, and returns the table.column names whose text holds needle (case-insensitively).
func findEverywhere(t TB, conn connectors.Conn, p *config.Project, needle string) []string {
	t.Helper()
	d := conn.Dialect()
	ctx := context.Background()
	var where []string
	for _, schema := range []string{p.Output.Schema, p.Output.StateSchema, p.Output.WorkSchema} {
		var names []string
		lists := []func(string) (string, []any){d.TablesQuery, d.ViewsQuery}
		if schema == p.Output.WorkSchema {
			lists = []func(string) (string, []any){func(s string) (string, []any) { return dialects.WorkTablesQuery(d, s) }}
		}
		for _, list := range lists {
			q, args := list(schema)
			rows, err := conn.Query(ctx, q, args...)
			if err != nil {
				t.Fatalf("list %s: %v", schema, err)
			}
			for rows.Next() {
				var n string
				if err := rows.Scan(&n); err != nil {
					t.Fatal(err)
				}
				names = append(names, n)
			}
			rows.Close()
		}
		for _, n := range names {
			table := d.Table(schema, n)
			if schema == p.Output.WorkSchema {
				table = d.WorkTable(schema, n)
			}
			rows, err := conn.Query(ctx, "SELECT * FROM "+table)
			if err != nil {
				t.Fatalf("read %s: %v", table, err)
			}
			cols, err := rows.Columns()
			if err != nil {
				t.Fatal(err)
			}
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			for rows.Next() {
				if err := rows.Scan(ptrs...); err != nil {
					t.Fatal(err)
				}
				for i, v := range vals {
					if v != nil && strings.Contains(strings.ToLower(fmt.Sprint(v)), strings.ToLower(needle)) {
						where = append(where, schema+"."+n+"."+cols[i])
					}
				}
			}
			rows.Close()
		}
	}
	return where
}

// testForgetScoped: in a project with scopes, a value forgotten is forgotten in every scope and
// pool it is in, with the universal ids derived from each of its qualified forms.
func testForgetScoped(t *testing.T, open Factory) {
	conn := open(t)
	defer conn.Close()
	d := conn.Dialect()
	at := func(h int) time.Time { return base.Add(time.Duration(h) * time.Hour) }
	events := Table{Name: "fgs_events", Columns: []string{"user_id", "email", "device_id"}, Types: []string{"user_id", "email", "device_id"}, ScopeColumn: "app_id",
		Rows: []Row{
			{TS: at(1), Scope: "app1", Values: []any{nil, "e1", "d1"}},
			{TS: at(2), Scope: "app3", Values: []any{nil, "e1", "d2"}},
			{TS: at(3), Scope: "app1", Values: []any{"u1", nil, "d1"}},
			{TS: at(4), Scope: "app3", Values: []any{"u3", "e3", nil}},
		}}
	types := []string{"user_id", "email", "device_id"}
	sc := &Scopes{Pools: map[string][]string{"games": {"app1", "app2"}, "brand_b": {"app3"}}, Local: map[string]bool{"device_id": true}}
	yaml := strings.Replace(scopedYAML(sc, ProjectYAML(types, []Table{events}, d.DefaultSchema())), "schema: identity", "schema: fgs", 1)
	p := mustParse(t, yaml)
	pl, err := plan.New(p, d, plan.Contraction)
	if err != nil {
		t.Fatal(err)
	}
	loadUnder(t, conn, []Table{events}, "fgs")
	StitchIncremental(t, conn, p)
	before := PublishedScoped(t, conn, "fgs")
	var derived []string
	for _, q := range []string{"games", "brand_b"} {
		id := unionfind.ID{Type: "email", Value: q + "|e1"}
		uid := hexMD5(p.Output.IDSalt + "|email|" + q + "|e1")
		if before[id] != uid {
			t.Fatalf("%v has universal id %s, want the one it anchors, %s", id, before[id], uid)
		}
		derived = append(derived, uid)
	}
	if _, err := control.AddForget(context.Background(), conn, pl, control.Forget, []control.Identifier{{Type: "email", Value: "e1"}}, "dpo"); err != nil {
		t.Fatal(err)
	}
	StitchIncremental(t, conn, p)
	got := PublishedScoped(t, conn, "fgs")
	// The value itself is too short to look for in every column; the ids derived from it are not.
	for _, needle := range derived {
		if where := findEverywhere(t, conn, p, needle); len(where) > 0 {
			t.Fatalf("after forgetting e1, %q is still in %s", needle, strings.Join(where, ", "))
		}
	}
	for id := range got {
		if id.Type == "email" && strings.HasSuffix(id.Value, "|e1") {
			t.Fatalf("after forgetting e1, id_graph still holds %v", id)
		}
	}
	checkGroups(t, got, [][]string{
		{"user_id:games|u1", "device_id:app1|d1"},
		{"user_id:brand_b|u3", "email:brand_b|e3"},
	})
}
