package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/connectors/duckdb"
	"github.com/idstitch/idstitch/internal/demogen"
)

// ownedDemo writes the demo's sources into a fresh DuckDB file, runs prepare on it, and writes the
// demo project with the output schema given; it returns the project file.
func ownedDemo(t *testing.T, schema string, prepare ...string) (dir, project string) {
	t.Helper()
	dir = t.TempDir()
	ctx := context.Background()
	conn, err := duckdb.Open(ctx, filepath.Join(dir, "demo.duckdb"), false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := demogen.Generate(ctx, conn, demogen.Options{Persons: 40, Seed: 3}); err != nil {
		t.Fatal(err)
	}
	for _, q := range prepare {
		if err := conn.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	conn.Close()
	text := demogen.Project(demogen.ProjectOptions{Name: "demo", Warehouse: "duckdb", Path: "demo.duckdb"})
	text = strings.Replace(text, "output:\n  schema: identity", "output:\n  schema: "+schema, 1)
	if !strings.Contains(text, "schema: "+schema) {
		text = strings.Replace(text, "sources:", "output:\n  schema: "+schema+"\nsources:", 1)
	}
	project = filepath.Join(dir, "idstitch.yaml")
	if err := os.WriteFile(project, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, project
}

// inspect opens the project's DuckDB file and returns the number of rows q counts.
func inspect(t *testing.T, dir, q string) int64 {
	t.Helper()
	conn, err := duckdb.Open(context.Background(), filepath.Join(dir, "demo.duckdb"), true)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	return countRows(t, conn, q)
}

func countRows(t *testing.T, conn connectors.Conn, q string) int64 {
	t.Helper()
	rows, err := conn.Query(context.Background(), q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var n int64
	if rows.Next() {
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
	}
	return n
}

// TestOutputSchemaHoldingSources: with output.schema main, where the sources are, validate and run
// refuse in one sentence naming the key, and the run creates nothing.
func TestOutputSchemaHoldingSources(t *testing.T) {
	dir, project := ownedDemo(t, "main")
	for _, verb := range []string{"validate", "run"} {
		code, _, errs := do(t, verb, "-c", project)
		if code == 0 || !strings.Contains(errs, "sources[0].table") || !strings.Contains(errs, "which idstitch writes (output.schema)") {
			t.Fatalf("%s: exit %d, stderr %q", verb, code, errs)
		}
	}
	if n := inspect(t, dir, "SELECT COUNT(*) FROM information_schema.tables WHERE table_name IN ('runs', 'idstitch_objects', 'profiles')"); n != 0 {
		t.Fatalf("a refused run created %d tables", n)
	}
}

// TestUserTablesAreNeverReplaced: a user's own tables in the output or state schema, named as
// idstitch's are, make validate and run refuse before anything is created; the tables keep their
// rows.
func TestUserTablesAreNeverReplaced(t *testing.T) {
	for _, c := range []struct{ key, prepare string }{
		{"output.schema identity", "CREATE SCHEMA identity; CREATE TABLE identity.profiles AS SELECT 'mine' AS owner"},
		{"output.schema identity", "CREATE SCHEMA identity; CREATE TABLE identity.id_graph AS SELECT 'mine' AS owner"},
		{"output.state_schema identity_state", "CREATE SCHEMA identity_state; CREATE TABLE identity_state.regions AS SELECT 'mine' AS owner"},
	} {
		dir, project := ownedDemo(t, "identity", c.prepare)
		for _, verb := range []string{"validate", "run"} {
			code, _, errs := do(t, verb, "-c", project)
			if code == 0 || !strings.Contains(errs, c.key+" holds tables or views that idstitch did not make") {
				t.Fatalf("%s with %q: exit %d, stderr %q", verb, c.prepare, code, errs)
			}
		}
		table := c.prepare[strings.LastIndex(c.prepare, "TABLE ")+6 : strings.Index(c.prepare, " AS ")]
		if n := inspect(t, dir, "SELECT COUNT(*) FROM "+table+" WHERE owner = 'mine'"); n != 1 {
			t.Fatalf("%s lost its row", table)
		}
		if n := inspect(t, dir, "SELECT COUNT(*) FROM information_schema.tables WHERE table_name = 'runs'"); n != 0 {
			t.Fatal("a refused run created the runs table")
		}
	}
}

// TestRegistry: a run records what it makes; the next runs pass; a table the user adds later is
// refused; an earlier install (no registry, its runs table recording the project) is adopted once
// with a notice; a second project writing the same schema is refused.
func TestRegistry(t *testing.T) {
	dir, project := ownedDemo(t, "identity")
	for i := 0; i < 2; i++ {
		if code, _, errs := do(t, "run", "-c", project, "--quiet"); code != 0 {
			t.Fatalf("run %d: %s", i+1, errs)
		}
	}
	if n := inspect(t, dir, "SELECT COUNT(*) FROM identity.idstitch_objects WHERE project = 'demo' AND object_name = 'profiles'"); n != 1 {
		t.Fatalf("the registry lists profiles %d times", n)
	}
	// An earlier install kept no registry: its tables are adopted, once.
	execIn(t, dir, "DROP TABLE identity.idstitch_objects")
	code, out, errs := do(t, "run", "-c", project, "--quiet")
	if code != 0 || !strings.Contains(out, "adopted") {
		t.Fatalf("run over an earlier install: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	if code, out, _ := do(t, "run", "-c", project, "--quiet"); code != 0 || strings.Contains(out, "adopted") {
		t.Fatalf("second run after adoption: exit %d, stdout %q", code, out)
	}
	// A table of the user's in the output schema.
	execIn(t, dir, "CREATE TABLE identity.my_notes AS SELECT 1 AS x")
	if code, _, errs := do(t, "run", "-c", project, "--quiet"); code == 0 || !strings.Contains(errs, "(my_notes)") {
		t.Fatalf("run with a user's table in the output schema: exit %d, stderr %q", code, errs)
	}
	execIn(t, dir, "DROP TABLE identity.my_notes")
	// Another project writing the same schema.
	text, _ := os.ReadFile(project)
	other := filepath.Join(dir, "other.yaml")
	os.WriteFile(other, []byte(strings.Replace(string(text), "project: demo", "project: other", 1)), 0o644)
	if code, _, errs := do(t, "validate", "-c", other); code == 0 || !strings.Contains(errs, "is written by project demo") {
		t.Fatalf("a second project in one schema: exit %d, stderr %q", code, errs)
	}
}

func execIn(t *testing.T, dir, q string) {
	t.Helper()
	conn, err := duckdb.Open(context.Background(), filepath.Join(dir, "demo.duckdb"), false)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.Exec(context.Background(), q); err != nil {
		t.Fatal(err)
	}
}

// TestRemovedSourceLeavesNothing: when a source leaves the project file, the run that no longer
// reads it drops its stored rows and stitched view (they hold copies of its identifiers) and
// forgets them; the tables a killed run was building are dropped by the next run.
func TestRemovedSourceLeavesNothing(t *testing.T) {
	dir, project := ownedDemo(t, "identity")
	if code, _, errs := do(t, "run", "-c", project, "--quiet"); code != 0 {
		t.Fatal(errs)
	}
	if n := inspect(t, dir, "SELECT COUNT(*) FROM identity_state.rows_crm_contacts"); n == 0 {
		t.Fatal("the first run stored no rows of crm_contacts")
	}
	text, _ := os.ReadFile(project)
	cut := strings.Index(string(text), "  - name: crm_contacts")
	if cut < 0 {
		t.Fatal("the demo project has no crm_contacts source")
	}
	os.WriteFile(project, text[:cut], 0o644)
	if code, _, errs := do(t, "run", "-c", project, "--quiet"); code != 0 {
		t.Fatal(errs)
	}
	// A full run killed while building left a table beside a published one, which an
	// incremental run does not build.
	execIn(t, dir, "CREATE TABLE identity.id_edges__next AS SELECT 1 AS x")
	if code, out, errs := do(t, "run", "-c", project); code != 0 || !strings.Contains(out, "(incremental)") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errs)
	}
	q := "SELECT COUNT(*) FROM information_schema.tables WHERE table_name IN ('rows_crm_contacts', 'crm_contacts_stitched', 'rows_crm_contacts__next') OR table_name LIKE '%__next'"
	if n := inspect(t, dir, q); n != 0 {
		t.Fatalf("%d tables of the removed source or of the killed run are left", n)
	}
	if n := inspect(t, dir, "SELECT COUNT(*) FROM identity.idstitch_objects WHERE object_name LIKE '%crm_contacts%'"); n != 0 {
		t.Fatalf("the registry still lists %d objects of the removed source", n)
	}
}

// TestDryRunFirstLeavesNoOutputs: a dry run before any run publishes nothing, not even empty
// output tables; it is recorded in runs, and a real run afterwards publishes as usual. The tables
// people write to (overrides, forget_requests, forget_audit) stay: they may hold what was written
// before the first run.
func TestDryRunFirstLeavesNoOutputs(t *testing.T) {
	dir, project := ownedDemo(t, "identity")
	if code, _, errs := do(t, "run", "-c", project, "--dry-run", "--quiet"); code != 0 {
		t.Fatal(errs)
	}
	if n := inspect(t, dir, "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'identity' AND table_name NOT IN ('runs', 'idstitch_objects', 'overrides', 'forget_requests', 'forget_audit')"); n != 0 {
		t.Fatalf("a dry run before any run left %d tables in the output schema", n)
	}
	if n := inspect(t, dir, "SELECT COUNT(*) FROM identity.runs WHERE status = 'dry_run'"); n != 1 {
		t.Fatalf("the dry run is recorded %d times", n)
	}
	if code, _, errs := do(t, "run", "-c", project, "--quiet"); code != 0 {
		t.Fatal(errs)
	}
	if n := inspect(t, dir, "SELECT COUNT(*) FROM identity.id_graph"); n == 0 {
		t.Fatal("the run after the dry run published nothing")
	}
}
