package cli

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/idstitch/idstitch/connectors/duckdb"
	"github.com/idstitch/idstitch/internal/demogen"
)

// traitsYAML declares traits of every aggregation and two audiences. The window starts on
// 2025-07-01, in the middle of the demo data, whatever day the test runs.
func traitsYAML() string {
	days := windowDays()
	return fmt.Sprintf(`traits:
  - {name: lifetime_revenue, source: orders, agg: sum, expr: revenue}
  - {name: orders, source: orders, agg: count}
  - {name: biggest_order, source: orders, agg: max, expr: revenue}
  - {name: smallest_order, source: orders, agg: min, expr: revenue}
  - {name: average_order, source: orders, agg: avg, expr: revenue}
  - {name: last_order_revenue, source: orders, agg: latest, expr: revenue}
  - {name: first_event, source: events, agg: first, expr: event_type}
  - {name: event_kinds, source: events, agg: count_distinct, expr: event_type}
  - {name: cart_abandons_recent, source: events, agg: count, filter: "event_type = 'cart_abandoned'", window: %dd}
audiences:
  - {name: loyal_customers, where: "lifetime_revenue > 300 and orders >= 3"}
  - {name: cart_abandoners, where: "cart_abandons_recent >= 1"}
`, days)
}

func windowDays() int {
	return int(time.Since(time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)).Hours() / 24)
}

type traitValues struct {
	revenue, biggest, smallest, last float64
	orders, kinds, abandons          int64
	lastTS, firstTS                  time.Time
	first                            string
	kindSet                          map[string]bool
}

// TestTraitsAndAudiences computes every trait in Go over the raw rows — each row belongs to the
// profile of its first identifier, by id-type priority — and compares with the published
// profiles; audience members must be exactly the profiles meeting the conditions; a second run
// after some customers' orders are gone records their exit and keeps the others' entry time.
func TestTraitsAndAudiences(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	db := filepath.Join(dir, "demo.duckdb")
	conn, err := duckdb.Open(ctx, db, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := demogen.Generate(ctx, conn, demogen.Options{Persons: 1500, Seed: 11}); err != nil {
		t.Fatal(err)
	}
	conn.Close()
	project := filepath.Join(dir, "idstitch.yaml")
	text := demogen.Project(demogen.ProjectOptions{Name: "traits", Warehouse: "duckdb", Path: "demo.duckdb"}) + traitsYAML()
	if err := os.WriteFile(project, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := do(t, "run", "-c", project, "--quiet"); code != 0 {
		t.Fatalf("run: %s%s", out, errs)
	}
	firstMembers := checkTraits(t, db)

	// Remove the orders of some loyal customers; they must leave the audience, the others stay.
	conn, _ = duckdb.Open(ctx, db, false)
	var gone int
	if err := conn.DB().QueryRow(`SELECT COUNT(*) FROM (SELECT DISTINCT g.universal_id FROM identity.audience_members m
		JOIN identity.id_graph g ON g.universal_id = m.universal_id WHERE m.audience = 'loyal_customers' AND g.id_type = 'user_id' AND g.id_value LIKE '%3')`).Scan(&gone); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.DB().Exec(`DELETE FROM orders WHERE user_id LIKE '%3'`); err != nil {
		t.Fatal(err)
	}
	conn.Close()
	// Deleted rows are seen by a full run only: incremental runs take rows before the
	// watermark less the lookback as final.
	if code, out, errs := do(t, "run", "-c", project, "--quiet", "--full"); code != 0 {
		t.Fatalf("second run: %s%s", out, errs)
	}
	secondMembers := checkTraits(t, db)
	conn, _ = duckdb.Open(ctx, db, true)
	defer conn.Close()
	exited, stayed := 0, 0
	for key, entered := range firstMembers {
		if again, ok := secondMembers[key]; ok {
			stayed++
			if !again.Equal(entered) {
				t.Fatalf("%s stayed in its audience but its entered_at moved from %v to %v", key, entered, again)
			}
			continue
		}
		exited++
		var n int
		conn.DB().QueryRow("SELECT COUNT(*) FROM identity.audience_history WHERE audience || '/' || universal_id = ? AND exited_at IS NOT NULL", key).Scan(&n)
		if n != 1 {
			t.Fatalf("%s left its audience but audience_history has %d closed entries for it", key, n)
		}
	}
	if exited == 0 || stayed == 0 || gone == 0 {
		t.Fatalf("the second run should keep some members and lose some: stayed %d, exited %d (loyal with a user id ending in 3: %d)", stayed, exited, gone)
	}
	var open int
	conn.DB().QueryRow("SELECT COUNT(*) FROM identity.audience_history WHERE exited_at IS NULL").Scan(&open)
	if open != len(secondMembers) {
		t.Fatalf("audience_history has %d open entries, audience_members %d rows", open, len(secondMembers))
	}
}

// checkTraits compares the published traits and audiences with values computed in Go, and
// returns the audience members (audience/universal_id → entered_at).
func checkTraits(t *testing.T, path string) map[string]time.Time {
	t.Helper()
	conn, err := duckdb.Open(context.Background(), path, true)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	db := conn.DB()
	uid := map[string]string{}
	rows, _ := db.Query("SELECT id_type || ':' || id_value, universal_id FROM identity.id_graph")
	for rows.Next() {
		var k, u string
		rows.Scan(&k, &u)
		uid[k] = u
	}
	rows.Close()
	// The row's profile: its first identifier in id_types order, then column order.
	owner := func(pairs ...[2]sql.NullString) string {
		for _, p := range pairs {
			if p[1].Valid && p[1].String != "" {
				return uid[p[0].String+":"+p[1].String]
			}
		}
		return ""
	}
	ns := func(s string) sql.NullString { return sql.NullString{String: s, Valid: true} }
	want := map[string]*traitValues{}
	get := func(u string) *traitValues {
		if want[u] == nil {
			want[u] = &traitValues{kindSet: map[string]bool{}}
		}
		return want[u]
	}
	// The run measured the window from its own clock; the few seconds since do not matter
	// unless an event falls in them, which the random timestamps make vanishingly unlikely.
	cutoff := time.Now().UTC().AddDate(0, 0, -windowDays())
	rows, _ = db.Query("SELECT ts, user_id, email, billing_email, phone, revenue FROM orders")
	for rows.Next() {
		var ts time.Time
		var user, email, billing, phone sql.NullString
		var revenue float64
		rows.Scan(&ts, &user, &email, &billing, &phone, &revenue)
		u := owner([2]sql.NullString{ns("user_id"), user}, [2]sql.NullString{ns("email"), email}, [2]sql.NullString{ns("email"), billing}, [2]sql.NullString{ns("phone"), phone})
		if u == "" {
			continue
		}
		v := get(u)
		if v.orders == 0 || revenue > v.biggest {
			v.biggest = revenue
		}
		if v.orders == 0 || revenue < v.smallest {
			v.smallest = revenue
		}
		if v.orders == 0 || ts.After(v.lastTS) {
			v.last, v.lastTS = revenue, ts
		}
		v.orders++
		v.revenue += revenue
	}
	rows.Close()
	rows, _ = db.Query("SELECT event_id, ts, event_type, user_id, email, device_id, anonymous_id FROM events")
	eventOwner := map[int64]string{}
	for rows.Next() {
		var id int64
		var ts time.Time
		var kind string
		var user, email, device, anon sql.NullString
		rows.Scan(&id, &ts, &kind, &user, &email, &device, &anon)
		u := owner([2]sql.NullString{ns("user_id"), user}, [2]sql.NullString{ns("email"), email}, [2]sql.NullString{ns("device_id"), device}, [2]sql.NullString{ns("anonymous_id"), anon})
		eventOwner[id] = u
		if u == "" {
			continue
		}
		v := get(u)
		if v.first == "" || ts.Before(v.firstTS) {
			v.first, v.firstTS = kind, ts
		}
		v.kindSet[kind] = true
		v.kinds = int64(len(v.kindSet))
		if kind == "cart_abandoned" && !ts.Before(cutoff) {
			v.abandons++
		}
	}
	rows.Close()

	// The stitched view gives each event the same profile.
	rows, err = db.Query("SELECT event_id, universal_id FROM identity.events_stitched")
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for rows.Next() {
		var id int64
		var u sql.NullString
		rows.Scan(&id, &u)
		if u.String != eventOwner[id] {
			t.Fatalf("events_stitched gives event %d profile %q, its first identifier is in %q", id, u.String, eventOwner[id])
		}
		seen++
	}
	rows.Close()
	if seen != len(eventOwner) {
		t.Fatalf("events_stitched has %d rows, events %d", seen, len(eventOwner))
	}

	rows, err = db.Query(`SELECT universal_id, lifetime_revenue, orders, biggest_order, smallest_order, average_order, last_order_revenue,
		first_event, event_kinds, cart_abandons_recent, loyal_customers, cart_abandoners FROM identity.profiles`)
	if err != nil {
		t.Fatal(err)
	}
	members := map[string]bool{}
	checked := 0
	for rows.Next() {
		var u string
		var revenue, biggest, smallest, avg, last sql.NullFloat64
		var orders, kinds, abandons int64
		var first sql.NullString
		var loyal, abandoner bool
		if err := rows.Scan(&u, &revenue, &orders, &biggest, &smallest, &avg, &last, &first, &kinds, &abandons, &loyal, &abandoner); err != nil {
			t.Fatal(err)
		}
		w := want[u]
		if w == nil {
			w = &traitValues{}
		}
		near := func(a sql.NullFloat64, b float64, has bool) bool {
			return a.Valid == has && (!has || math.Abs(a.Float64-b) < 1e-6)
		}
		has := w.orders > 0
		if orders != w.orders || !near(revenue, w.revenue, has) || !near(biggest, w.biggest, has) || !near(smallest, w.smallest, has) ||
			!near(last, w.last, has) || (has && !near(avg, w.revenue/float64(w.orders), true)) || first.String != w.first ||
			kinds != w.kinds || abandons != w.abandons {
			t.Fatalf("profile %s: published revenue %v orders %d max %v min %v avg %v last %v first %q kinds %d abandons %d;\ncomputed %+v", u,
				revenue, orders, biggest, smallest, avg, last, first.String, kinds, abandons, *w)
		}
		wantLoyal := w.revenue > 300 && w.orders >= 3
		if loyal != wantLoyal || abandoner != (w.abandons >= 1) {
			t.Fatalf("profile %s: audience flags %v %v, conditions give %v %v", u, loyal, abandoner, wantLoyal, w.abandons >= 1)
		}
		if loyal {
			members["loyal_customers/"+u] = true
		}
		if abandoner {
			members["cart_abandoners/"+u] = true
		}
		checked++
	}
	rows.Close()
	if checked == 0 || len(members) == 0 {
		t.Fatalf("checked %d profiles, %d audience members", checked, len(members))
	}
	got := map[string]time.Time{}
	rows, _ = db.Query("SELECT audience || '/' || universal_id, entered_at FROM identity.audience_members")
	for rows.Next() {
		var k string
		var at time.Time
		rows.Scan(&k, &at)
		got[k] = at
		if !members[k] {
			t.Fatalf("audience_members lists %s, which does not meet the condition", k)
		}
	}
	rows.Close()
	if len(got) != len(members) {
		t.Fatalf("audience_members has %d rows, the conditions give %d", len(got), len(members))
	}
	return got
}

// TestReportRendersInChromium renders the report in headless Chromium and checks that the charts
// are drawn: the page's DOM, after Chromium has laid it out, holds the SVG bars.
func TestReportRendersInChromium(t *testing.T) {
	dir := t.TempDir()
	if code, out, errs := do(t, "demo", "--dir", dir, "--persons", "400", "--quiet"); code != 0 {
		t.Fatalf("demo: %s%s", out, errs)
	}
	page := filepath.Join(dir, "report.html")
	if code, out, errs := do(t, "report", "-c", filepath.Join(dir, "idstitch.yaml"), "--out", page); code != 0 {
		t.Fatalf("report: %s%s", out, errs)
	}
	html := renderedDOM(t, page)
	if got := strings.Count(html, "<svg"); got < 6 {
		t.Fatalf("the rendered page has %d SVG charts, want 6", got)
	}
	if got := strings.Count(html, "<rect"); got < 10 {
		t.Fatalf("the rendered page has %d bars", got)
	}
	for _, want := range []string{"idstitch report: demo", "Largest profiles", "Quarantined identifiers by reason", "Runs: seconds per stage"} {
		if !strings.Contains(html, want) {
			t.Errorf("the rendered page lacks %q", want)
		}
	}
	// Each of the largest profiles links to the page of its graph, written beside the report.
	links := regexp.MustCompile(`<a href="(report-profiles/[0-9a-f]+\.html)"><code>([0-9a-f]+)</code>`).FindAllStringSubmatch(html, -1)
	if len(links) != 10 {
		t.Fatalf("the largest profiles have %d links to their pages, want 10", len(links))
	}
	for _, l := range links {
		if l[1] != "report-profiles/"+l[2]+".html" {
			t.Errorf("profile %s links to %s", l[2], l[1])
		}
		if _, err := os.Stat(filepath.Join(dir, l[1])); err != nil {
			t.Errorf("the page of profile %s: %v", l[2], err)
		}
	}
}
