package check

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/connectors/duckdb"
	"github.com/idstitch/idstitch/connectors/postgres"
	"github.com/idstitch/idstitch/engine/config"
	"github.com/idstitch/idstitch/engine/plan"
)

// The filter of the hardening issue: sent as validate's probe, it ended the probe and created a
// table.
const attack = "1=1) LIMIT 0; CREATE TABLE %s.pwned2 AS SELECT 1 AS x; SELECT 1 FROM %s.t WHERE (1=1"

func projectText(warehouse, schema string) string {
	return `project: acme
warehouse:
` + warehouse + `id_types:
  - name: user_id
  - name: email
sources:
  - name: t
    table: ` + schema + `.t
    ids:
      user_id: user_id
      email: "lower(email)"
audiences:
  - name: all_of_them
    where: "true"
`
}

// exists reports whether schema.name is a table, whatever the warehouse.
func exists(t *testing.T, conn connectors.Conn, schema, name string) bool {
	t.Helper()
	cols, err := columns(context.Background(), conn, schema, name)
	if err != nil {
		t.Fatal(err)
	}
	return len(cols) > 0
}

// checkParsers runs the shared cases on one warehouse: an expression that only the warehouse's
// parser can tell is not one expression, and the filter pasted into a project after the
// file's own check, as a bug in that check would let it through. Both are refused before any
// statement holding them runs, and nothing is created.
func checkParsers(t *testing.T, conn connectors.Conn, text, schema string) {
	ctx := context.Background()
	p, err := config.Parse(filepath.Join(t.TempDir(), "idstitch.yaml"), []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	pl, err := plan.New(p, conn.Dialect(), "")
	if err != nil {
		t.Fatal(err)
	}
	if err := Sources(ctx, conn, pl); err != nil {
		t.Fatalf("the valid project: %v", err)
	}

	p.Audiences[0].Where = "email AS e"
	err = Sources(ctx, conn, pl)
	if err == nil || !strings.Contains(err.Error(), `audiences[0].where: "email AS e" is not one SQL expression to the `+conn.Dialect().Name()+" parser") {
		t.Errorf("an alias in a condition: %v", err)
	}
	p.Audiences[0].Where = "true"

	p.Sources[0].Filter = fmt.Sprintf(attack, schema, schema)
	err = Sources(ctx, conn, pl)
	if err == nil || !strings.Contains(err.Error(), "sources[0].filter: ") || !strings.Contains(err.Error(), "is not one SQL expression") {
		t.Errorf("the filter that ends its statement: %v", err)
	}
	if exists(t, conn, schema, "pwned2") {
		t.Fatalf("checking the filter created %s.pwned2", schema)
	}
}

func TestParserRefusesDuckDB(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "w.duckdb")
	ctx := context.Background()
	conn, err := duckdb.Open(ctx, db, false)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.Exec(ctx, "CREATE TABLE main.t AS SELECT 'u1' AS user_id, 'A@x.com' AS email"); err != nil {
		t.Fatal(err)
	}
	checkParsers(t, conn, projectText("  type: duckdb\n  path: "+db+"\n", "main"), "main")
}

// TestParserRefusesPostgres runs the same on the server named by IDSTITCH_TEST_POSTGRES_DSN, in a
// schema of its own.
func TestParserRefusesPostgres(t *testing.T) {
	dsn := os.Getenv("IDSTITCH_TEST_POSTGRES_DSN")
	if dsn == "" {
		if os.Getenv("IDSTITCH_REQUIRE_POSTGRES") == "1" {
			t.Fatal("IDSTITCH_TEST_POSTGRES_DSN is not set, and IDSTITCH_REQUIRE_POSTGRES=1 requires this test to run")
		}
		t.Skip("no Postgres server: set IDSTITCH_TEST_POSTGRES_DSN")
	}
	ctx := context.Background()
	conn, err := postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	schema := fmt.Sprintf("idstitch_check_%d", os.Getpid())
	if err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE") })
	if err := conn.Exec(ctx, "CREATE TABLE "+schema+".t AS SELECT 'u1'::text AS user_id, 'A@x.com'::text AS email"); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CHECK_TEST_DSN", dsn)
	checkParsers(t, conn, projectText("  type: postgres\n  dsn_env: CHECK_TEST_DSN\n", schema), schema)
}
