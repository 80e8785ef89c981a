package cli

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/idstitch/idstitch/internal/warehousetest"
)

func TestDoctorOnDuckDB(t *testing.T) {
	dir := t.TempDir()
	if code, out, errs := do(t, "demo", "--dir", dir, "--persons", "200", "--quiet"); code != 0 {
		t.Fatalf("demo: exit %d\n%s%s", code, out, errs)
	}
	project := filepath.Join(dir, "idstitch.yaml")
	code, out, errs := do(t, "doctor", "-c", project)
	if code != 0 {
		t.Fatalf("doctor on the demo: exit %d\n%s%s", code, out, errs)
	}
	for _, want := range []string{"ok    connect", "ok    read source events", "ok    id_types.email.pattern", "every check passed"} {
		if !strings.Contains(out, want) {
			t.Errorf("doctor's output lacks %q:\n%s", want, out)
		}
	}
	// Doctor creates nothing, not even a missing DuckDB file.
	missing := filepath.Join(dir, "missing.yaml")
	writeFile(t, missing, strings.Replace(readFile(t, project), "demo.duckdb", "missing.duckdb", 1))
	if code, out, _ := do(t, "doctor", "-c", missing); code != exitError || !strings.Contains(out, "FAIL  connect") {
		t.Errorf("doctor on a missing DuckDB file: exit %d\n%s", code, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "missing.duckdb")); err == nil {
		t.Fatal("doctor created a DuckDB file")
	}
}

// TestDoctorGivesTheGrant runs doctor as a Postgres role that may read the sources but not
// create schemas: it fails and prints the GRANT, which, once run, lets doctor and a run pass.
// The role then owns its schemas; without the privilege to create others, runs still work,
// because a run creates only the schemas that are missing (CREATE SCHEMA IF NOT EXISTS checks
// the privilege first on Postgres).
func TestDoctorGivesTheGrant(t *testing.T) {
	admin, dsn := warehousetest.PostgresDSN(t)
	ctx := context.Background()
	db := strings.TrimPrefix(must(url.Parse(dsn)).Path, "/")
	role := fmt.Sprintf("doctor_%d", os.Getpid())
	exec := func(q string) {
		t.Helper()
		if err := admin.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec("DROP ROLE IF EXISTS " + role)
	exec("CREATE ROLE " + role + " LOGIN")
	t.Cleanup(func() {
		admin.Exec(context.Background(), "DROP OWNED BY "+role+" CASCADE")
		admin.Exec(context.Background(), "DROP ROLE IF EXISTS "+role)
	})
	exec("CREATE SCHEMA raw")
	exec("CREATE TABLE raw.events (anonymous_id text, user_id text, email text, ts timestamp)")
	exec("INSERT INTO raw.events VALUES ('a1', 'u1', 'one@example.com', TIMESTAMP '2026-11-01 10:00:00'), ('a2', 'u1', NULL, TIMESTAMP '2026-11-02 10:00:00')")
	exec("GRANT USAGE ON SCHEMA raw TO " + role)
	exec("GRANT SELECT ON raw.events TO " + role)

	u := must(url.Parse(dsn))
	u.User = url.User(role)
	t.Setenv("DOCTOR_PG_DSN", u.String())
	project := filepath.Join(t.TempDir(), "idstitch.yaml")
	writeFile(t, project, `project: doctored
warehouse:
  type: postgres
  dsn_env: DOCTOR_PG_DSN
output:
  schema: identity
id_types:
  - name: user_id
  - name: email
    normalize: [trim, lower]
    pattern: '^[^@\s]+@[^@\s]+$'
  - name: anonymous_id
    anonymous: true
sources:
  - name: events
    table: raw.events
    timestamp: ts
    ids:
      anonymous_id: anonymous_id
      user_id: user_id
      email: email
`)
	code, out, _ := do(t, "doctor", "-c", project)
	grant := fmt.Sprintf(`GRANT CREATE ON DATABASE "%s" TO "%s";`, db, role)
	if code != exitError || !strings.Contains(out, "FAIL  schema identity (output.schema)") || !strings.Contains(out, "fix: "+grant) {
		t.Fatalf("doctor as a role that may not create schemas: exit %d, want 1 and %q:\n%s", code, grant, out)
	}
	if !strings.Contains(out, "ok    read source events") || !strings.Contains(out, "ok    id_types.email.pattern") {
		t.Errorf("doctor should pass what the role may do:\n%s", out)
	}
	exec(grant)
	if code, out, errs := do(t, "doctor", "-c", project); code != 0 {
		t.Fatalf("doctor after the grant it printed: exit %d\n%s%s", code, out, errs)
	}
	if code, out, errs := do(t, "run", "-c", project, "--quiet"); code != 0 {
		t.Fatalf("run after the grant: exit %d\n%s%s", code, out, errs)
	}

	// The role owns its schemas now; it needs no privilege to create others.
	exec(`REVOKE CREATE ON DATABASE "` + db + `" FROM ` + role)
	code, out, errs := do(t, "doctor", "-c", project)
	if code != 0 || !strings.Contains(out, "ok    schema identity (output.schema): exists") || !strings.Contains(out, "skip  rehearsal") {
		t.Fatalf("doctor for a role that owns its schemas: exit %d\n%s%s", code, out, errs)
	}
	exec("INSERT INTO raw.events VALUES ('a3', 'u2', 'two@example.com', TIMESTAMP '2026-11-03 10:00:00')")
	for _, args := range [][]string{{"run", "-c", project, "--quiet"}, {"run", "-c", project, "--quiet", "--full"}} {
		if code, out, errs := do(t, args...); code != 0 {
			t.Fatalf("%v by a role that owns its schemas but may not create schemas: exit %d\n%s%s", args, code, out, errs)
		}
	}

	// \b is a word boundary in RE2 and a backspace in Postgres' regular expressions: the pattern
	// is rewritten for Postgres, and doctor finds it means the same there.
	boundary := filepath.Join(filepath.Dir(project), "boundary.yaml")
	writeFile(t, boundary, strings.Replace(readFile(t, project), "  - name: anonymous_id\n", "  - name: anonymous_id\n    block_pattern: '\\btest\\b'\n", 1))
	code, out, _ = do(t, "doctor", "-c", boundary)
	if code != 0 || !strings.Contains(out, "ok    id_types.anonymous_id.block_pattern") {
		t.Fatalf("doctor on a pattern with word boundaries on Postgres: exit %d\n%s", code, out)
	}

	// A source it may not read: the GRANT that fixes it.
	exec("REVOKE SELECT ON raw.events FROM " + role)
	code, out, _ = do(t, "doctor", "-c", project)
	want := fmt.Sprintf(`fix: GRANT SELECT ON "raw"."events" TO "%s";`, role)
	if code != exitError || !strings.Contains(out, "FAIL  read source events") || !strings.Contains(out, want) {
		t.Fatalf("doctor without SELECT on the source: exit %d, want %q:\n%s", code, want, out)
	}
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
