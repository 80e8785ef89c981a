package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/idstitch/idstitch/connectors/duckdb"
	"github.com/idstitch/idstitch/engine/config"
	"github.com/idstitch/idstitch/engine/lease"
	"github.com/idstitch/idstitch/engine/plan"
	"github.com/idstitch/idstitch/internal/warehousetest"
)

// exitProjectFile writes a DuckDB project over main.events(ts, user_id, v) with rows rows, the
// first 100 of v numbers and the rest not, and the source filter given.
func exitProjectFile(t *testing.T, rows int, filter string) string {
	t.Helper()
	dir := t.TempDir()
	ctx := context.Background()
	conn, err := duckdb.Open(ctx, filepath.Join(dir, "acme.duckdb"), false)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"CREATE TABLE main.events (ts TIMESTAMP, user_id VARCHAR, v VARCHAR)",
		fmt.Sprintf("INSERT INTO main.events SELECT TIMESTAMP '2026-10-01' + INTERVAL (i) MINUTE, 'u' || (i %% 7), CASE WHEN i < 100 THEN CAST(i AS VARCHAR) ELSE 'x' END FROM range(%d) t(i)", rows),
	} {
		if err := conn.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	conn.Close()
	text := "project: acme\nwarehouse:\n  type: duckdb\n  path: acme.duckdb\nid_types:\n  - name: user_id\nsources:\n  - name: events\n    table: main.events\n    timestamp: ts\n" +
		filter + "    ids:\n      user_id: user_id\n"
	path := filepath.Join(dir, "idstitch.yaml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// runJSONOf runs `run --json` and decodes what it prints: one JSON object, whatever happened.
func runJSONOf(t *testing.T, args ...string) (int, map[string]any, string) {
	t.Helper()
	code, out, errs := do(t, append([]string{"run", "--json", "--quiet"}, args...)...)
	var got map[string]any
	dec := json.NewDecoder(strings.NewReader(out))
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("run --json printed no JSON object (%v): %q; stderr %q", err, out, errs)
	}
	if dec.More() {
		t.Fatalf("run --json printed more than one object: %q", out)
	}
	if got["format"] != float64(1) || got["exit_code"] != float64(code) {
		t.Errorf("format %v, exit_code %v; want 1 and the exit status %d", got["format"], got["exit_code"], code)
	}
	// Every key of the documented shape is there, whatever the status.
	for _, k := range []string{"project", "output_schema", "run_id", "status", "error", "mode", "full_reason", "path", "started_at", "finished_at",
		"seconds", "rows_read", "rows_by_source", "identifiers", "links", "profiles", "largest_profile", "rounds", "profiles_written",
		"quarantined", "changes", "stage_seconds", "controls", "warnings"} {
		if _, ok := got[k]; !ok {
			t.Errorf("run --json has no key %s: %s", k, out)
		}
	}
	return code, got, errs
}

// TestExitSuccessJSON: a good run exits 0 and prints its row: status success, its counts and
// stage times.
func TestExitSuccessJSON(t *testing.T) {
	project := exitProjectFile(t, 20, "")
	code, got, errs := runJSONOf(t, "-c", project)
	if code != exitOK || got["status"] != "success" || got["run_id"] != float64(1) || got["mode"] != "full" {
		t.Fatalf("exit %d, %v; stderr %q", code, got, errs)
	}
	if got["profiles"] != float64(7) || got["rows_read"] != float64(20) || got["error"] != nil {
		t.Errorf("profiles %v, rows_read %v, error %v; want 7 profiles of 20 rows", got["profiles"], got["rows_read"], got["error"])
	}
	if st, _ := got["stage_seconds"].(map[string]any); st["publish"] == nil {
		t.Errorf("stage_seconds %v has no publish", got["stage_seconds"])
	}
	if ch, _ := got["changes"].(map[string]any); ch["new"] == nil {
		t.Errorf("changes %v has no new", got["changes"])
	}
}

// TestExitRunFailed: a run that begins and fails exits 3, its row says failed with the error.
// The filter holds on the first 100 rows, which validate's rehearsal reads, and fails on the
// later ones.
func TestExitRunFailed(t *testing.T) {
	project := exitProjectFile(t, 150, "    filter: \"CAST(v AS INTEGER) >= 0\"\n")
	code, got, errs := runJSONOf(t, "-c", project)
	if code != exitRunFailed || got["status"] != "failed" || got["run_id"] != float64(1) || got["started_at"] == nil {
		t.Fatalf("exit %d, %v; stderr %q; want 3, a failed run 1", code, got, errs)
	}
	if msg, _ := got["error"].(string); !strings.Contains(msg, "run 1 failed") || got["profiles"] != nil {
		t.Errorf("error %q, profiles %v; want the run's failure and no counts", msg, got["profiles"])
	}
}

// TestExitBadProject: a project file with a mistake, or one that names what the warehouse does
// not have, exits 4 and nothing runs.
func TestExitBadProject(t *testing.T) {
	project := exitProjectFile(t, 20, "")
	text, _ := os.ReadFile(project)
	for name, broken := range map[string]string{
		"unknown key":   strings.Replace(string(text), "    timestamp: ts\n", "    timestamp: ts\n    colour: red\n", 1),
		"missing table": strings.Replace(string(text), "main.events", "main.evnts", 1),
	} {
		os.WriteFile(project, []byte(broken), 0o644)
		code, got, errs := runJSONOf(t, "-c", project)
		if code != exitProject || got["status"] != "not_run" || got["run_id"] != nil {
			t.Errorf("%s: exit %d, %v; stderr %q; want 4 and not_run", name, code, got, errs)
		}
	}
	if code, _, _ := do(t, "run", "-c", filepath.Join(t.TempDir(), "none.yaml")); code != exitProject {
		t.Errorf("no project file: exit %d, want 4", code)
	}
}

// TestExitUnreachable: a warehouse that cannot be reached exits 5.
func TestExitUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	t.Setenv("EXIT_TEST_DSN", "postgres://nobody@"+addr+"/db?sslmode=disable&connect_timeout=5")
	dir := t.TempDir()
	project := filepath.Join(dir, "idstitch.yaml")
	os.WriteFile(project, []byte("project: acme\nwarehouse:\n  type: postgres\n  dsn_env: EXIT_TEST_DSN\nid_types:\n  - name: user_id\nsources:\n  - name: events\n    table: raw.events\n    ids:\n      user_id: user_id\n"), 0o644)
	code, got, errs := runJSONOf(t, "-c", project)
	if code != exitUnreachable || got["status"] != "not_run" {
		t.Fatalf("exit %d, %v; stderr %q; want 5", code, got, errs)
	}
}

// TestExitLeaseHeld: while another process holds the project's run lease (serve, or another
// run), a run exits 6 and does nothing.
func TestExitLeaseHeld(t *testing.T) {
	conn, dsn := warehousetest.PostgresDSN(t)
	ctx := context.Background()
	for _, q := range []string{"CREATE SCHEMA raw", "CREATE TABLE raw.events (user_id TEXT)", "INSERT INTO raw.events VALUES ('u1'), ('u2')"} {
		if err := conn.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("EXIT_TEST_DSN", dsn)
	dir := t.TempDir()
	project := filepath.Join(dir, "idstitch.yaml")
	os.WriteFile(project, []byte("project: acme\nwarehouse:\n  type: postgres\n  dsn_env: EXIT_TEST_DSN\nid_types:\n  - name: user_id\nsources:\n  - name: events\n    table: raw.events\n    ids:\n      user_id: user_id\n"), 0o644)
	p, err := config.Load(project)
	if err != nil {
		t.Fatal(err)
	}
	pl, err := plan.New(p, conn.Dialect(), plan.Contraction)
	if err != nil {
		t.Fatal(err)
	}
	release, _, err := lease.Hold(ctx, conn, pl, "another-host:1:abcd", time.Minute, func(string, error) {})
	if err != nil {
		t.Fatal(err)
	}
	code, got, errs := runJSONOf(t, "-c", project)
	if code != exitBusy || got["status"] != "not_run" || !strings.Contains(errs, "in progress") {
		t.Fatalf("exit %d, %v; stderr %q; want 6", code, got, errs)
	}
	// The runs table is made by a run's setup, after the lease: there is none.
	if rows, err := conn.Query(ctx, "SELECT COUNT(*) FROM identity.runs"); err == nil {
		rows.Close()
		t.Error("the run made the runs table while the lease was held elsewhere")
	}
	release()
	if code, _, errs := do(t, "run", "-c", project, "--quiet"); code != exitOK {
		t.Fatalf("run after the lease was released: exit %d, %s", code, errs)
	}
}

// TestExitUsage: a mistake on the command line exits 2.
func TestExitUsage(t *testing.T) {
	if code, _, _ := do(t, "run", "--no-such-flag"); code != exitUsage {
		t.Errorf("run --no-such-flag: exit %d, want 2", code)
	}
}

// TestIdentifyHoldsTheLease: `idstitch identify` loads its call under the run lease, as runs and
// serve load theirs: while another process holds it, the call is refused as busy and nothing is
// written to the landing table; once it is released, the call lands.
func TestIdentifyHoldsTheLease(t *testing.T) {
	conn, dsn := warehousetest.PostgresDSN(t)
	ctx := context.Background()
	for _, q := range []string{"CREATE SCHEMA raw", "CREATE TABLE raw.events (user_id TEXT, ts TIMESTAMP)", "INSERT INTO raw.events VALUES ('u1', '2026-01-01'), ('u2', '2026-01-02')"} {
		if err := conn.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("EXIT_TEST_DSN", dsn)
	project := filepath.Join(t.TempDir(), "idstitch.yaml")
	os.WriteFile(project, []byte("project: acme\nwarehouse:\n  type: postgres\n  dsn_env: EXIT_TEST_DSN\nid_types:\n  - name: user_id\nsources:\n  - name: events\n    table: raw.events\n    timestamp: ts\n    ids:\n      user_id: user_id\nidentify: {}\n"), 0o644)
	if code, _, errs := do(t, "run", "-c", project, "--quiet"); code != exitOK {
		t.Fatalf("first run: exit %d, %s", code, errs)
	}
	p, err := config.Load(project)
	if err != nil {
		t.Fatal(err)
	}
	pl, err := plan.New(p, conn.Dialect(), plan.Contraction)
	if err != nil {
		t.Fatal(err)
	}
	landed := func() int64 {
		rows, err := conn.Query(ctx, "SELECT COUNT(*) FROM identity.identify_events")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var n int64
		rows.Next()
		rows.Scan(&n)
		return n
	}
	release, _, err := lease.Hold(ctx, conn, pl, "another-host:1:abcd", time.Minute, func(string, error) {})
	if err != nil {
		t.Fatal(err)
	}
	if code, _, errs := do(t, "identify", "-c", project, "user_id=u9"); code != exitBusy {
		t.Fatalf("identify while the lease is held elsewhere: exit %d, %s; want %d", code, errs, exitBusy)
	}
	if n := landed(); n != 0 {
		t.Fatalf("%d calls landed while the lease was held elsewhere", n)
	}
	release()
	if code, _, errs := do(t, "identify", "-c", project, "user_id=u9"); code != exitOK {
		t.Fatalf("identify after the lease was released: exit %d, %s", code, errs)
	}
	if n := landed(); n != 1 {
		t.Fatalf("%d calls landed; want 1", n)
	}
}
