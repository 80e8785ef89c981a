package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/idstitch/idstitch/connectors/duckdb"
)

// hostileProject writes a small DuckDB warehouse with one source table and a project file over
// it, with the given extra source keys and audiences, and returns the project file's path.
func hostileProject(t *testing.T, sourceExtra, audiences string) (project, db string) {
	t.Helper()
	dir := t.TempDir()
	db = filepath.Join(dir, "w.duckdb")
	ctx := context.Background()
	conn, err := duckdb.Open(ctx, db, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := conn.Exec(ctx, `CREATE TABLE main.t AS SELECT * FROM (VALUES ('a@x.com', 'u1', TIMESTAMP '2026-01-01'), ('b@x.com', 'u1', TIMESTAMP '2026-01-02')) v(email, user_id, ts)`); err != nil {
		t.Fatal(err)
	}
	conn.Close()
	text := `project: acme
warehouse:
  type: duckdb
  path: w.duckdb
id_types:
  - name: user_id
  - name: email
sources:
  - name: t
    table: main.t
    timestamp: ts
` + sourceExtra + `    ids:
      user_id: user_id
      email: email
` + audiences
	project = filepath.Join(dir, "idstitch.yaml")
	if err := os.WriteFile(project, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return project, db
}

// tablesOf lists the schemas and the schema-qualified tables of the DuckDB file.
func tablesOf(t *testing.T, db string) []string {
	t.Helper()
	conn, err := duckdb.Open(context.Background(), db, true)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	rows, err := conn.DB().Query("SELECT table_schema || '.' || table_name FROM information_schema.tables UNION ALL SELECT schema_name FROM information_schema.schemata ORDER BY 1")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		rows.Scan(&s)
		out = append(out, s)
	}
	return out
}

// TestExpressionsCannotRunStatements: the two expressions of the hardening issue that ran a
// statement of their own, a source filter that validate sent as it was and an audience condition
// that run pasted into its profile query, are refused with one sentence naming the key; nothing
// is created, not even the output schema.
func TestExpressionsCannotRunStatements(t *testing.T) {
	cases := []struct {
		name, source, audiences, key string
	}{
		{"filter", `    filter: "1=1) LIMIT 0; CREATE TABLE main.pwned2 AS SELECT 1 AS x; SELECT 1 FROM main.t WHERE (1=1"` + "\n", "", "sources[0].filter"},
		{"audience", "", "audiences:\n  - name: everyone\n    where: '1=1) AS x FROM main.t; CREATE TABLE main.pwned AS SELECT 1 AS x; SELECT (1'\n", "audiences[0].where"},
		{"id expression", "", "", "sources[0].ids.email"},
	}
	for _, c := range cases {
		for _, verb := range []string{"validate", "run"} {
			t.Run(c.name+"/"+verb, func(t *testing.T) {
				project, db := hostileProject(t, c.source, c.audiences)
				if c.name == "id expression" {
					text, _ := os.ReadFile(project)
					os.WriteFile(project, []byte(strings.Replace(string(text), "email: email", `email: "lower(email)) AS v FROM main.t; CREATE TABLE main.pwned3 AS SELECT (1"`, 1)), 0o644)
				}
				before := tablesOf(t, db)
				args := []string{verb, "-c", project}
				if verb == "run" {
					args = append(args, "--quiet")
				}
				code, _, errs := do(t, args...)
				if code == 0 {
					t.Fatalf("%s accepted the project", verb)
				}
				if !strings.Contains(errs, "idstitch.yaml:") || !strings.Contains(errs, c.key+": ") || !strings.Contains(errs, "is not one SQL expression") ||
					strings.Count(strings.TrimSpace(errs), "\n") != 0 {
					t.Errorf("stderr %q; want one line naming the file, %s and what is wrong", errs, c.key)
				}
				if after := tablesOf(t, db); strings.Join(after, " ") != strings.Join(before, " ") {
					t.Errorf("tables before %v, after %v: nothing may be created", before, after)
				}
			})
		}
	}
}

// TestSourceColumnUniversalID: a source table with a column named universal_id would give its
// stitched view (and the LookML join on it) two columns of that name; validate and run refuse
// it before anything is created.
func TestSourceColumnUniversalID(t *testing.T) {
	project, db := hostileProject(t, "", "")
	conn, err := duckdb.Open(context.Background(), db, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := conn.Exec(context.Background(), "ALTER TABLE main.t ADD COLUMN Universal_Id VARCHAR"); err != nil {
		t.Fatal(err)
	}
	conn.Close()
	before := tablesOf(t, db)
	for _, args := range [][]string{{"validate", "-c", project}, {"run", "-c", project, "--quiet"}} {
		code, _, errs := do(t, args...)
		if want := "sources[0].table: table main.t has a column Universal_Id, the name of the column that the view t_stitched adds"; code == 0 || !strings.Contains(errs, want) {
			t.Errorf("%s: exit %d, stderr %q; want %q", args[0], code, errs, want)
		}
	}
	if after := tablesOf(t, db); strings.Join(after, " ") != strings.Join(before, " ") {
		t.Errorf("tables before %v, after %v: nothing may be created", before, after)
	}
}
