package cli

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/idstitch/idstitch/connectors/duckdb"
	"github.com/idstitch/idstitch/internal/demogen"
)

// TestKilledProcessRecovers kills a real `idstitch run` process (SIGKILL, no chance to clean up)
// in the middle of an incremental run: the published tables and the stored state are as before,
// and the next run completes with the result a full rebuild gives.
func TestKilledProcessRecovers(t *testing.T) {
	dir := t.TempDir()
	if code, out, errs := do(t, "demo", "--dir", dir, "--persons", "20000", "--quiet"); code != 0 {
		t.Fatalf("demo: %s%s", out, errs)
	}
	project := filepath.Join(dir, "idstitch.yaml")
	db := filepath.Join(dir, "demo.duckdb")
	ctx := context.Background()
	snapshot := func() (graph, rows int64) {
		t.Helper()
		conn, err := duckdb.Open(ctx, db, true)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if err := conn.DB().QueryRow(`SELECT (SELECT COUNT(*) + COALESCE(SUM(hash(universal_id || id_value) % 1000003), 0) FROM identity.id_graph),
			(SELECT COUNT(*) FROM identity_state.rows_events)`).Scan(&graph, &rows); err != nil {
			t.Fatal(err)
		}
		return graph, rows
	}
	graph, rows := snapshot()

	conn, err := duckdb.Open(ctx, db, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := demogen.Append(ctx, conn, demogen.Options{Persons: 20000, Seed: 1, Schema: "main"}, 0.1); err != nil {
		t.Fatal(err)
	}
	conn.Close()

	exe, _ := os.Executable()
	cmd := exec.Command(exe, "run", "-c", project)
	cmd.Env = append(os.Environ(), childEnv+"=1")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		// Progress is logged as records such as `msg="stage start" stage=region`.
		if !killed && strings.Contains(sc.Text(), "stage start") && strings.Contains(sc.Text(), "stage=region") {
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			killed = true
		}
	}
	err = cmd.Wait()
	if !killed {
		t.Fatalf("the run never reached the region stage (%v)", err)
	}
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
		t.Fatalf("the run was not killed: %v", err)
	}
	if g, r := snapshot(); g != graph || r != rows {
		t.Fatalf("after the kill: id_graph digest %d and %d stored event rows; before %d and %d", g, r, graph, rows)
	}

	if code, out, errs := do(t, "run", "-c", project, "--quiet"); code != 0 || !strings.Contains(out, "(incremental) succeeded") {
		t.Fatalf("run after the kill: exit %d\n%s%s", code, out, errs)
	}
	// The killed run could not record its end; the next one records it as failed.
	conn, err = duckdb.Open(ctx, db, true)
	if err != nil {
		t.Fatal(err)
	}
	var status, why string
	err = conn.DB().QueryRow("SELECT status, error FROM identity.runs WHERE run_id = 2").Scan(&status, &why)
	conn.Close()
	if err != nil || status != "failed" || !strings.Contains(why, "ended before the run finished") {
		t.Fatalf("the killed run is recorded as %q (%q, %v)", status, why, err)
	}
	data, _ := os.ReadFile(project)
	check := filepath.Join(dir, "check.yaml")
	if err := os.WriteFile(check, []byte(strings.Replace(string(data), "schema: identity", "schema: identity_check", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := do(t, "run", "-c", check, "--quiet", "--full"); code != 0 {
		t.Fatalf("full rebuild: exit %d\n%s%s", code, out, errs)
	}
	conn, err = duckdb.Open(ctx, db, true)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var differ, total int64
	if err := conn.DB().QueryRow(`SELECT COUNT(*) FILTER (WHERE a.universal_id IS DISTINCT FROM b.universal_id), COUNT(*)
		FROM identity.id_graph a FULL OUTER JOIN identity_check.id_graph b ON a.node_id = b.node_id`).Scan(&differ, &total); err != nil {
		t.Fatal(err)
	}
	if differ != 0 || total == 0 {
		t.Fatalf("%d of %d identifiers have another universal id than in a full rebuild", differ, total)
	}
}

// TestDryRun previews a rule change: the summary says what would change, and nothing published
// changes; the real run then makes exactly the changes the dry run announced.
func TestDryRun(t *testing.T) {
	dir := t.TempDir()
	if code, out, errs := do(t, "demo", "--dir", dir, "--persons", "3000", "--quiet"); code != 0 {
		t.Fatalf("demo: %s%s", out, errs)
	}
	project := filepath.Join(dir, "idstitch.yaml")
	data, _ := os.ReadFile(project)
	// Block the first emails of persons 10 to 19: a rule change that quarantines a few values.
	changed := strings.Replace(string(data), "    block: ['test@test.com']\n", "    block: ['test@test.com']\n    block_pattern: '^person1[0-9][.]0@'\n", 1)
	if changed == string(data) {
		t.Fatal("the demo project has no email block list to change")
	}
	if err := os.WriteFile(project, []byte(changed), 0o644); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "demo.duckdb")
	digest := func() (graph, quarantine int64) {
		t.Helper()
		conn, err := duckdb.Open(context.Background(), db, true)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if err := conn.DB().QueryRow(`SELECT (SELECT COUNT(*) + COALESCE(SUM(hash(universal_id || id_value) % 1000003), 0) FROM identity.id_graph),
			(SELECT COUNT(*) FROM identity.id_quarantine)`).Scan(&graph, &quarantine); err != nil {
			t.Fatal(err)
		}
		return graph, quarantine
	}
	g, q := digest()
	code, dry, errs := do(t, "run", "-c", project, "--quiet", "--dry-run")
	if code != 0 || !strings.Contains(dry, "nothing was published") || !strings.Contains(dry, "(incremental)") || !strings.Contains(dry, "rules changed") {
		t.Fatalf("dry run: exit %d\n%s%s", code, dry, errs)
	}
	if g2, q2 := digest(); g2 != g || q2 != q {
		t.Fatalf("the dry run changed the published tables")
	}
	line := func(out string) string {
		for _, l := range strings.Split(out, "\n") {
			if strings.HasPrefix(strings.TrimSpace(l), "ids ") {
				return strings.TrimSpace(l[strings.IndexAny(l, "0123456789"):])
			}
		}
		return ""
	}
	if !strings.Contains(line(dry), "identifiers quarantined") || strings.Contains(line(dry), " 0 identifiers quarantined") {
		t.Fatalf("the dry run announces no quarantined identifiers:\n%s", dry)
	}
	code, real, errs := do(t, "run", "-c", project, "--quiet")
	if code != 0 {
		t.Fatalf("run: exit %d\n%s%s", code, real, errs)
	}
	if line(real) != line(dry) {
		t.Fatalf("the run changed %q; the dry run announced %q", line(real), line(dry))
	}
	if _, q3 := digest(); q3 <= q {
		t.Fatalf("the run quarantined nothing more (%d, before %d)", q3, q)
	}
}
