package runner_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/connectors/duckdb"
	"github.com/idstitch/idstitch/engine/config"
	"github.com/idstitch/idstitch/engine/plan"
	"github.com/idstitch/idstitch/engine/runner"
)

// events are the rows of main.events: ts, user_id, email, device_id, anonymous_id.
var layoutEvents = [][5]string{
	{"2026-10-01 10:00:00", "u1", "Ann@Example.org", "d1", "a1"},
	{"2026-10-01 11:00:00", "", "ann@example.org", "", "a2"},
	{"2026-10-02 09:00:00", "u2", "bob@example.org", "d2", "a3"},
	{"2026-10-03 12:00:00", "", "not-an-email", "d2", "a4"},
}

// laterEvents arrive after the old version published: they link a new cookie to u1 and join
// a new user to bob's device.
var laterEvents = [][5]string{
	{"2026-11-02 08:00:00", "u1", "", "", "a5"},
	{"2026-11-02 09:00:00", "u3", "carol@example.org", "d3", "a3"},
}

func openLayoutDB(t *testing.T, events ...[][5]string) (connectors.Conn, *config.Project) {
	t.Helper()
	ctx := context.Background()
	conn, err := duckdb.Open(ctx, filepath.Join(t.TempDir(), "layout.duckdb"), false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if err := conn.Exec(ctx, "CREATE TABLE main.events (ts TIMESTAMP, user_id TEXT, email TEXT, device_id TEXT, anonymous_id TEXT)"); err != nil {
		t.Fatal(err)
	}
	for _, rows := range events {
		insertEvents(t, conn, rows)
	}
	p, err := config.Load("testdata/layout4/idstitch.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return conn, p
}

func insertEvents(t *testing.T, conn connectors.Conn, rows [][5]string) {
	t.Helper()
	for _, r := range rows {
		vals := []string{"TIMESTAMP '" + r[0] + "'"}
		for _, v := range r[1:] {
			if v == "" {
				vals = append(vals, "NULL")
			} else {
				vals = append(vals, "'"+v+"'")
			}
		}
		if err := conn.Exec(context.Background(), "INSERT INTO main.events VALUES ("+strings.Join(vals, ", ")+")"); err != nil {
			t.Fatal(err)
		}
	}
}

func run(t *testing.T, conn connectors.Conn, p *config.Project, full bool) *runner.Summary {
	t.Helper()
	pl, err := plan.New(p, conn.Dialect(), plan.Contraction)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := (&runner.Runner{Conn: conn, Planner: pl, Full: full}).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

func query(t *testing.T, conn connectors.Conn, q string) []string {
	t.Helper()
	rows, err := conn.Query(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var a, b, c *string
		if err := rows.Scan(&a, &b, &c); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%v|%v|%v", deref(a), deref(b), deref(c)))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

func deref(s *string) string {
	if s == nil {
		return "NULL"
	}
	return *s
}

const publishedQuery = `SELECT id_type, id_value, universal_id FROM identity.id_graph
UNION ALL SELECT 'profile', universal_id, CAST(events AS TEXT) || '/' || CAST(active AS TEXT) FROM identity.profiles
UNION ALL SELECT reason, id_type, id_value FROM identity.id_quarantine`

// TestUpgradeFromLayout4 publishes a project with the plan the version before layouts had
// numbers compiled for it, adds rows, and runs this version: it must take the state over
// (incrementally, saying so) and publish what a full run of this version publishes.
func TestUpgradeFromLayout4(t *testing.T) {
	ctx := context.Background()
	old, p := openLayoutDB(t, layoutEvents)
	script, err := os.ReadFile("testdata/layout4/duckdb.sql")
	if err != nil {
		t.Fatal(err)
	}
	if err := old.Exec(ctx, string(script)); err != nil {
		t.Fatalf("the plan of the earlier version does not run: %v", err)
	}
	// The earlier version's runner recorded its run around the plan.
	if err := old.Exec(ctx, "INSERT INTO identity.runs (run_id, project, started_at, finished_at, status, mode, algorithm) VALUES (1, 'layout4', now(), now(), 'success', 'full', 'contraction')"); err != nil {
		t.Fatal(err)
	}
	insertEvents(t, old, laterEvents)

	sum := run(t, old, p, false)
	if sum.Mode != plan.ModeIncremental || !strings.Contains(sum.Upgrade, "layout 4") {
		t.Fatalf("the run after an upgrade was %s (reason %q, upgrade %q); want an incremental run that migrated layout 4", sum.Mode, sum.Reason, sum.Upgrade)
	}
	if got := query(t, old, "SELECT section, fingerprint, '' FROM identity_state.meta WHERE section IN ('layout', 'format')"); len(got) != 1 || got[0] != fmt.Sprintf("layout|%d|", plan.Layout) {
		t.Fatalf("the state's meta after the upgrade holds %v; want only the layout row, %d", got, plan.Layout)
	}
	fresh, _ := openLayoutDB(t, layoutEvents, laterEvents)
	run(t, fresh, p, true)
	want, got := query(t, fresh, publishedQuery), query(t, old, publishedQuery)
	if strings.Join(want, "\n") != strings.Join(got, "\n") {
		t.Fatalf("after the upgrade the published tables differ from a full run of this version:\n got %v\nwant %v", got, want)
	}
	// The next run finds its own layout.
	if sum := run(t, old, p, false); sum.Mode != plan.ModeIncremental || sum.Upgrade != "" {
		t.Fatalf("the run after the upgraded one: %s, upgrade %q; want incremental with nothing to upgrade", sum.Mode, sum.Upgrade)
	}
}

// TestUnknownLayoutRebuilds: state of a layout this version cannot read (older than 4, or newer
// than its own) is rebuilt in full, and the run says why.
func TestUnknownLayoutRebuilds(t *testing.T) {
	for _, c := range []struct{ name, rows, reason string }{
		{"older", "('format', 'ffffffffffffffff')", "older version"},
		{"newer", fmt.Sprintf("('layout', '%d')", plan.Layout+1), "newer version"},
	} {
		t.Run(c.name, func(t *testing.T) {
			conn, p := openLayoutDB(t, layoutEvents)
			run(t, conn, p, true)
			ctx := context.Background()
			if err := conn.Exec(ctx, "DELETE FROM identity_state.meta WHERE section IN ('layout', 'format')"); err != nil {
				t.Fatal(err)
			}
			if err := conn.Exec(ctx, "INSERT INTO identity_state.meta VALUES "+c.rows); err != nil {
				t.Fatal(err)
			}
			sum := run(t, conn, p, false)
			if sum.Mode != plan.ModeFull || !strings.Contains(sum.Reason, c.reason) {
				t.Fatalf("mode %s, reason %q; want a full rebuild saying %q", sum.Mode, sum.Reason, c.reason)
			}
		})
	}
}
