package warehousetest

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/engine/config"
	"github.com/idstitch/idstitch/engine/lookup"
	"github.com/idstitch/idstitch/engine/plan"
	"github.com/idstitch/idstitch/engine/report"
	"github.com/idstitch/idstitch/engine/unionfind"
)

// scopedYAML declares the scopes sc in a project file that ProjectYAML wrote.
func scopedYAML(sc *Scopes, yaml string) string {
	pools := make([]string, 0, len(sc.Pools))
	for p := range sc.Pools {
		pools = append(pools, p)
	}
	sort.Strings(pools)
	var b strings.Builder
	b.WriteString("scopes:\n  pools:\n")
	for _, p := range pools {
		fmt.Fprintf(&b, "    %s: [%s]\n", p, strings.Join(sc.Pools[p], ", "))
	}
	if sc.Default != "" {
		fmt.Fprintf(&b, "  default: %s\n", sc.Default)
	}
	for ty, local := range sc.Local {
		if local {
			yaml = strings.Replace(yaml, "  - name: "+ty+"\n", "  - name: "+ty+"\n    scope: local\n", 1)
		}
	}
	return strings.Replace(yaml, "id_types:\n", b.String()+"id_types:\n", 1)
}

// drawScopes draws the scopes of a random project, or nil for none: three scopes in one or two
// pools, with or without a default, and a random set of local types; each table gets a scope
// column whose rows hold a declared scope, NULL or an undeclared one.
func drawScopes(t *rapid.T, tables []Table) *Scopes {
	if !rapid.Bool().Draw(t, "scoped") {
		return nil
	}
	sc := &Scopes{Local: map[string]bool{}}
	switch rapid.IntRange(0, 2).Draw(t, "pools") {
	case 0:
		sc.Pools = map[string][]string{"p1": {"app1", "app2", "app3"}}
	case 1:
		sc.Pools = map[string][]string{"p1": {"app1", "app2"}, "p2": {"app3"}}
	default:
		sc.Pools = map[string][]string{"p1": {"app1"}, "p2": {"app2", "app3"}}
	}
	sc.Default = rapid.SampledFrom([]string{"", "app1", "app3"}).Draw(t, "default")
	for _, ty := range randomTypes {
		sc.Local[ty] = rapid.IntRange(0, 2).Draw(t, "local "+ty) == 0
	}
	values := []any{"app1", "app2", "app3", nil, "other"}
	for i := range tables {
		tables[i].ScopeColumn = "app"
		for j := range tables[i].Rows {
			tables[i].Rows[j].Scope = values[rapid.IntRange(0, len(values)-1).Draw(t, "scope")]
		}
	}
	return sc
}

// testScopes: two apps of one pool that share a login are one profile; the same email in two
// pools is two identifiers and two profiles, with different universal ids; equal device ids of
// two apps (a local type) are two identifiers; rows of no declared scope are left out unless a
// default scope takes them. Every published table says where its rows belong, and an incremental
// run after new rows equals a full rebuild.
func testScopes(t *testing.T, open Factory) {
	conn := open(t)
	defer conn.Close()
	d := conn.Dialect()
	at := func(h int) time.Time { return base.Add(time.Duration(h) * time.Hour) }
	events := Table{Name: "scope_events", Columns: []string{"user_id", "email", "device_id"}, Types: []string{"user_id", "email", "device_id"}, ScopeColumn: "app_id",
		Rows: []Row{
			{TS: at(1), Scope: "app1", Values: []any{"u1", nil, "d1"}},
			{TS: at(2), Scope: "app2", Values: []any{"u1", nil, "d1"}},
			{TS: at(3), Scope: "app3", Values: []any{nil, "e1", "d2"}},
			{TS: at(4), Scope: "app1", Values: []any{nil, "e1", "d3"}},
			{TS: at(5), Scope: nil, Values: []any{"u9", nil, nil}},
			{TS: at(6), Scope: "zzz", Values: []any{nil, "e9", nil}},
		}}
	crm := Table{Name: "scope_crm", Columns: []string{"email", "user_id"}, Types: []string{"email", "user_id"}, Scope: "app3",
		Rows: []Row{{TS: at(7), Values: []any{"e1", "u7"}}}}
	types := []string{"user_id", "email", "device_id"}
	sc := &Scopes{Pools: map[string][]string{"games": {"app1", "app2"}, "brand_b": {"app3"}}, Local: map[string]bool{"device_id": true}}
	yaml := scopedYAML(sc, ProjectYAML(types, []Table{events, crm}, d.DefaultSchema()))
	loadUnder(t, conn, []Table{events, crm}, "identity")
	p := mustParse(t, yaml)
	Stitch(t, conn, p, plan.Contraction)
	got := PublishedScoped(t, conn, "identity")
	CheckPartition(t, OracleScoped([]Table{events, crm}, sc), got, types, p.Output.IDSalt)
	checkGroups(t, got, [][]string{
		{"user_id:games|u1", "device_id:app1|d1", "device_id:app2|d1"},
		{"email:games|e1", "device_id:app1|d3"},
		{"email:brand_b|e1", "device_id:app3|d2", "user_id:brand_b|u7"},
	})
	if a, b := got[unionfind.ID{Type: "email", Value: "games|e1"}], got[unionfind.ID{Type: "email", Value: "brand_b|e1"}]; a == b {
		t.Fatalf("email e1 of two pools has one universal id %s", a)
	}
	// Each profile says its pool, and each identifier its scope (local types) and pool.
	uid := got[unionfind.ID{Type: "user_id", Value: "games|u1"}]
	if pool := queryString(t, conn, fmt.Sprintf("SELECT pool FROM %s WHERE universal_id = '%s'", d.Table("identity", plan.Profiles), uid)); pool != "games" {
		t.Fatalf("the profile of u1 has pool %q, want games", pool)
	}
	if n := count(t, conn, fmt.Sprintf("SELECT COUNT(*) FROM %s WHERE id_type = 'device_id' AND id_value = 'd1' AND pool = 'games' AND scope IN ('app1', 'app2')", d.Table("identity", plan.IDGraph))); n != 2 {
		t.Fatalf("id_graph has %d rows of device d1 in app1 and app2 of pool games, want 2", n)
	}
	if n := count(t, conn, fmt.Sprintf("SELECT COUNT(*) FROM %s WHERE id_type = 'email' AND scope IS NULL AND pool IN ('games', 'brand_b')", d.Table("identity", plan.IDGraph))); n != 2 {
		t.Fatalf("id_graph has %d rows of shared emails with a pool and no scope, want 2", n)
	}
	// The stitched view finds each row's profile in its own scope and pool.
	if n := count(t, conn, fmt.Sprintf("SELECT COUNT(*) FROM %s WHERE universal_id = '%s' AND row_pool = 'games'", d.Table("identity", "scope_events_stitched"), uid)); n != 2 {
		t.Fatalf("scope_events_stitched has %d rows of u1's profile in pool games, want 2", n)
	}
	if n := count(t, conn, fmt.Sprintf("SELECT COUNT(*) FROM %s WHERE universal_id IS NULL AND row_scope IS NULL", d.Table("identity", "scope_events_stitched"))); n != 2 {
		t.Fatalf("scope_events_stitched has %d rows without a declared scope, want 2", n)
	}
	if n := count(t, conn, fmt.Sprintf("SELECT COUNT(*) FROM %s WHERE pool IS NULL", d.Table("identity", plan.IDChanges))); n != 0 {
		t.Fatalf("id_changes has %d rows without a pool", n)
	}
	checkScopedLookups(t, conn, p, got)

	// New rows, run incrementally: the same as a full rebuild, and as the oracle.
	events.Rows = append(events.Rows, Row{TS: at(30), Scope: "app2", Values: []any{"u1", "e1", "d4"}})
	loadUnder(t, conn, []Table{events, crm}, "identity", "full")
	sum := StitchIncremental(t, conn, p)
	if sum.Mode != plan.ModeIncremental {
		t.Fatalf("the run after new rows was %s (%s), want incremental", sum.Mode, sum.Reason)
	}
	inc := PublishedScoped(t, conn, "identity")
	full := mustParse(t, strings.Replace(yaml, "schema: identity", "schema: full", 1))
	Stitch(t, conn, full, plan.Contraction)
	if !sameMapping(inc, PublishedScoped(t, conn, "full")) {
		t.Fatalf("incremental id_graph with scopes differs from a full rebuild")
	}
	CheckPartition(t, OracleScoped([]Table{events, crm}, sc), inc, types, p.Output.IDSalt)

	// With a default scope, the rows of no declared scope join it.
	sc.Default = "app1"
	def := mustParse(t, strings.Replace(scopedYAML(sc, ProjectYAML(types, []Table{events, crm}, d.DefaultSchema())), "schema: identity", "schema: dflt", 1))
	loadUnder(t, conn, []Table{events, crm}, "identity", "full", "dflt")
	Stitch(t, conn, def, plan.Contraction)
	withDefault := PublishedScoped(t, conn, "dflt")
	CheckPartition(t, OracleScoped([]Table{events, crm}, sc), withDefault, types, def.Output.IDSalt)
	if _, ok := withDefault[unionfind.ID{Type: "email", Value: "games|e9"}]; !ok {
		t.Fatalf("with default app1, email e9 of scope zzz is not in pool games")
	}
}

// checkScopedLookups: lookups and explain take the scope, a value held in two pools needs one,
// and the report counts the profiles of each pool.
func checkScopedLookups(t *testing.T, conn connectors.Conn, p *config.Project, got map[unionfind.ID]string) {
	t.Helper()
	ctx := context.Background()
	pl, err := plan.New(p, conn.Dialect(), plan.Contraction)
	if err != nil {
		t.Fatal(err)
	}
	svc := lookup.Service{Planner: pl}
	for _, c := range []struct{ idType, value, scope, want string }{
		{"device_id", "d1", "app2", "device_id:app2|d1"},
		{"email", "e1", "app3", "email:brand_b|e1"},
		{"email", "e1", "app1", "email:games|e1"},
		{"user_id", "u1", "", "user_id:games|u1"},
	} {
		res, err := svc.LookupIn(ctx, conn, c.idType, c.value, c.scope, lookup.Page{})
		if err != nil {
			t.Fatalf("lookup %s=%s in %q: %v", c.idType, c.value, c.scope, err)
		}
		typ, val, _ := strings.Cut(c.want, ":")
		if want := got[unionfind.ID{Type: typ, Value: val}]; res.UniversalID != want {
			t.Fatalf("lookup %s=%s in %q gave %s, want %s (%s)", c.idType, c.value, c.scope, res.UniversalID, want, c.want)
		}
	}
	var bad *lookup.BadRequest
	if _, err := svc.LookupIn(ctx, conn, "email", "e1", "", lookup.Page{}); !errors.As(err, &bad) {
		t.Fatalf("lookup email=e1 without a scope, held in two pools: %v; want a request for the scope", err)
	}
	if _, err := svc.LookupIn(ctx, conn, "device_id", "d2", "app1", lookup.Page{}); !errors.Is(err, lookup.ErrNotFound) {
		t.Fatalf("lookup device_id=d2 in app1, which only app3 holds: %v; want not found", err)
	}
	data, err := report.Collect(ctx, conn, pl)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(data.Pools) != "[{brand_b 1} {games 2}]" {
		t.Fatalf("the report's profiles per pool: %v, want brand_b 1 and games 2", data.Pools)
	}
	ex, err := svc.ExplainIn(ctx, conn, "user_id", "u1", "device_id", "d1", "app2")
	if err != nil {
		t.Fatal(err)
	}
	if !ex.Linked || len(ex.Chain) == 0 || ex.Chain[len(ex.Chain)-1].To != "device_id:d1@app2" {
		t.Fatalf("explain u1 and d1 in app2: %+v; want a chain ending at device_id:d1@app2", ex)
	}
}

// queryString reads one text value.
func queryString(t TB, conn connectors.Conn, q string) string {
	t.Helper()
	rows, err := conn.Query(context.Background(), q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var s string
	if rows.Next() {
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
	}
	return s
}
