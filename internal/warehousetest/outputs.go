package warehousetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/engine/plan"
)

// profileWant is one profile as computed in Go from the identifiers id_graph gives it.
type profileWant struct {
	first, last *time.Time
	n           int64
	count       map[string]int64
	latest      map[string]string
	latestSeen  map[string]*time.Time
}

// checkProfiles recomputes every profile's own columns (first and last seen, identifiers, and per
// type the count and the latest value: the one seen last, a missing time last, then the greater
// value) from the published id_graph, whose partition the oracle checks, and compares them with
// the published profiles. Values are compared unscoped: a project with scopes orders ties by
// the qualified value, which id_graph does not hold.
func checkProfiles(t TB, conn connectors.Conn, schema string, types []string) {
	t.Helper()
	want := wantProfiles(t, conn, schema)
	d := conn.Dialect()
	cols := []string{"universal_id", "first_seen_at", "last_seen_at", "identifiers"}
	for _, ty := range types {
		cols = append(cols, d.QuoteIdent(ty+"_count"), d.QuoteIdent("latest_"+ty))
	}
	rows, err := conn.Query(context.Background(), "SELECT "+strings.Join(cols, ", ")+" FROM "+d.Table(schema, plan.Profiles))
	if err != nil {
		t.Fatalf("read profiles: %v", err)
	}
	defer rows.Close()
	seen := 0
	for rows.Next() {
		var uid string
		var first, last *time.Time
		var n int64
		counts := make([]int64, len(types))
		latest := make([]*string, len(types))
		dest := []any{&uid, &first, &last, &n}
		for i := range types {
			dest = append(dest, &counts[i], &latest[i])
		}
		if err := rows.Scan(dest...); err != nil {
			t.Fatalf("read profiles: %v", err)
		}
		seen++
		w, ok := want[uid]
		if !ok {
			t.Fatalf("profiles has %s, which no identifier of id_graph has", uid)
		}
		got := fmt.Sprintf("first %v last %v identifiers %d", stamp(first), stamp(last), n)
		exp := fmt.Sprintf("first %v last %v identifiers %d", stamp(w.first), stamp(w.last), w.n)
		for i, ty := range types {
			got += fmt.Sprintf(" %s %d latest %q", ty, counts[i], deref(latest[i]))
			exp += fmt.Sprintf(" %s %d latest %q", ty, w.count[ty], w.latest[ty])
		}
		if got != exp {
			t.Fatalf("profile %s is\n%s\nits identifiers in id_graph give\n%s", uid, got, exp)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("read profiles: %v", err)
	}
	if seen != len(want) {
		t.Fatalf("profiles has %d rows, id_graph %d universal ids", seen, len(want))
	}
}

// wantProfiles reads id_graph and aggregates its identifiers per universal id.
func wantProfiles(t TB, conn connectors.Conn, schema string) map[string]*profileWant {
	t.Helper()
	rows, err := conn.Query(context.Background(), "SELECT universal_id, id_type, id_value, first_seen_at, last_seen_at FROM "+conn.Dialect().Table(schema, plan.IDGraph))
	if err != nil {
		t.Fatalf("read id_graph: %v", err)
	}
	defer rows.Close()
	want := map[string]*profileWant{}
	for rows.Next() {
		var uid, ty, v string
		var first, last *time.Time
		if err := rows.Scan(&uid, &ty, &v, &first, &last); err != nil {
			t.Fatalf("read id_graph: %v", err)
		}
		w := want[uid]
		if w == nil {
			w = &profileWant{count: map[string]int64{}, latest: map[string]string{}, latestSeen: map[string]*time.Time{}}
			want[uid] = w
		}
		w.n++
		w.count[ty]++
		if first != nil && (w.first == nil || first.Before(*w.first)) {
			w.first = first
		}
		if last != nil && (w.last == nil || last.After(*w.last)) {
			w.last = last
		}
		if cur, ok := w.latest[ty]; !ok || laterValue(last, v, w.latestSeen[ty], cur) {
			w.latest[ty], w.latestSeen[ty] = v, last
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("read id_graph: %v", err)
	}
	return want
}

// laterValue: whether value a, last seen at ta, is the latest before b, last seen at tb (a
// missing time last, then the greater value).
func laterValue(ta *time.Time, a string, tb *time.Time, b string) bool {
	c := later(ta, tb)
	return c < 0 || c == 0 && a > b
}

func stamp(ts *time.Time) string {
	if ts == nil {
		return "none"
	}
	return ts.UTC().Format(time.RFC3339Nano)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// checkEdges recomputes id_edges from the source rows of a project without guards, where every
// link is inside one profile: each row links its first identifier (in column order, which is
// id-type priority) to each other column's identifier, and each pair gets the number of such
// links, the first and last time of their rows, and the names of their sources, sorted and
// comma-separated. Pairs are compared unordered, by type and value.
func checkEdges(t TB, conn connectors.Conn, schema string, tables []Table) {
	t.Helper()
	type agg struct {
		rows        int64
		first, last time.Time
		sources     map[string]bool
	}
	want := map[string]*agg{}
	for _, tb := range tables {
		for _, r := range tb.Rows {
			var first string
			for i, v := range r.Values {
				s, ok := v.(string)
				if !ok || s == "" {
					continue
				}
				node := tb.Types[i] + ":" + s
				if first == "" {
					first = node
					continue
				}
				if node == first {
					continue
				}
				key := pairKey(first, node)
				a := want[key]
				if a == nil {
					a = &agg{first: r.TS, last: r.TS, sources: map[string]bool{}}
					want[key] = a
				}
				a.rows++
				a.sources[tb.Name] = true
				if r.TS.Before(a.first) {
					a.first = r.TS
				}
				if r.TS.After(a.last) {
					a.last = r.TS
				}
			}
		}
	}
	var exp []string
	for key, a := range want {
		var names []string
		for s := range a.sources {
			names = append(names, s)
		}
		slices.Sort(names)
		exp = append(exp, fmt.Sprintf("%s rows %d first %s last %s sources %s", key, a.rows, stamp(&a.first), stamp(&a.last), strings.Join(names, ",")))
	}
	rows, err := conn.Query(context.Background(), "SELECT id_type_a, id_value_a, id_type_b, id_value_b, row_count, first_seen_at, last_seen_at, sources FROM "+conn.Dialect().Table(schema, plan.IDEdges))
	if err != nil {
		t.Fatalf("read id_edges: %v", err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var ta, va, tb, vb, sources string
		var n int64
		var first, last *time.Time
		if err := rows.Scan(&ta, &va, &tb, &vb, &n, &first, &last, &sources); err != nil {
			t.Fatalf("read id_edges: %v", err)
		}
		got = append(got, fmt.Sprintf("%s rows %d first %s last %s sources %s", pairKey(ta+":"+va, tb+":"+vb), n, stamp(first), stamp(last), sources))
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("read id_edges: %v", err)
	}
	slices.Sort(exp)
	slices.Sort(got)
	if !slices.Equal(got, exp) {
		t.Fatalf("id_edges:\n%s\nthe source rows give:\n%s", strings.Join(got, "\n"), strings.Join(exp, "\n"))
	}
}

// pairKey names an unordered pair of identifiers.
func pairKey(a, b string) string {
	if b < a {
		a, b = b, a
	}
	return a + " | " + b
}
