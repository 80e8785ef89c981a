package cli

import (
	"context"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/connectors/duckdb"
	"github.com/idstitch/idstitch/engine/dbt/manifest/manifesttest"
	"github.com/idstitch/idstitch/internal/warehousetest"
)

// dbtStitch writes a dbt project whose manifest says the model stg_events is built as the view
// database.analytics.stg_events and the source web.signups is the table database.raw.signups,
// a project file reading both by their dbt names, validates and runs it, and checks what it
// published: the rows of the view and the table link into the expected profiles.
func dbtStitch(t *testing.T, conn connectors.Conn, database, warehouse string) {
	ctx := context.Background()
	for _, q := range []string{
		"CREATE SCHEMA raw",
		"CREATE SCHEMA analytics",
		"CREATE TABLE raw.events (anonymous_id text, user_id text, ts timestamp)",
		"INSERT INTO raw.events VALUES ('a1', 'u1', TIMESTAMP '2026-11-01 10:00:00'), ('a2', 'u1', TIMESTAMP '2026-11-02 10:00:00'), ('a3', 'u2', TIMESTAMP '2026-11-03 10:00:00')",
		// What dbt would build for the model: a view over the raw table.
		"CREATE VIEW analytics.stg_events AS SELECT anonymous_id, user_id, ts AS event_at FROM raw.events",
		"CREATE TABLE raw.signups (user_id text, email text, ts timestamp)",
		"INSERT INTO raw.signups VALUES ('u2', 'two@example.com', TIMESTAMP '2026-11-04 10:00:00'), ('u3', 'three@example.com', TIMESTAMP '2026-11-05 10:00:00')",
	} {
		if err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	dir := t.TempDir()
	manifesttest.Write(t, filepath.Join(dir, "dbt"),
		[]manifesttest.Model{{Name: "stg_events", Database: database, Schema: "analytics", Materialized: "view", File: "models/stg_events.sql"}},
		[]manifesttest.Source{{Source: "web", Table: "signups", Database: database, Schema: "raw", File: "models/sources.yml"}})
	project := filepath.Join(dir, "idstitch.yaml")
	writeFile(t, project, `project: dbtshop
warehouse:
`+warehouse+`id_types:
  - name: user_id
  - name: email
  - name: anonymous_id
    anonymous: true
sources:
  - name: events
    model: stg_events
    timestamp: event_at
    ids:
      anonymous_id: anonymous_id
      user_id: user_id
  - name: signups
    dbt_source: [web, signups]
    timestamp: ts
    ids:
      user_id: user_id
      email: email
dbt:
  manifest: dbt/target/manifest.json
`)
	if code, out, errs := do(t, "validate", "-c", project); code != 0 {
		t.Fatalf("validate: exit %d\n%s%s", code, out, errs)
	}
	if code, out, errs := do(t, "run", "-c", project); code != 0 {
		t.Fatalf("run: exit %d\n%s%s", code, out, errs)
	}
}

// profileSizes reads the number of identifiers of each profile, sorted.
func profileSizes(t *testing.T, conn connectors.Conn) string {
	rows, err := conn.Query(context.Background(), "SELECT identifiers FROM identity.profiles ORDER BY identifiers")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var sizes []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, n)
	}
	return strings.Join(sizes, ",")
}

// stitchedRows counts the rows of the events source's stitched view that have a profile.
func stitchedRows(t *testing.T, conn connectors.Conn) string {
	rows, err := conn.Query(context.Background(), "SELECT COUNT(universal_id) FROM identity.events_stitched")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var n string
	for rows.Next() {
		rows.Scan(&n)
	}
	return n
}

// Want: u1 with a1 and a2 (3 identifiers); u2 with a3 and its email (3); u3 with its email (2).
const wantSizes = "2,3,3"

func TestDBTModelSourceOnDuckDB(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "shop.duckdb")
	conn, err := duckdb.Open(context.Background(), path, false)
	if err != nil {
		t.Fatal(err)
	}
	// dbt-duckdb names the database after the file, as DuckDB names its catalog.
	dbtStitch(t, conn, "shop", "  type: duckdb\n  path: "+path+"\n")
	conn.Close()
	conn, err = duckdb.Open(context.Background(), path, true)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if got := profileSizes(t, conn); got != wantSizes {
		t.Errorf("profile sizes %s, want %s", got, wantSizes)
	}
	if got := stitchedRows(t, conn); got != "3" {
		t.Errorf("%s rows of events_stitched have a profile, want 3", got)
	}
}

func TestDBTModelSourceOnPostgres(t *testing.T) {
	conn, dsn := warehousetest.PostgresDSN(t)
	t.Setenv("DBT_PG_DSN", dsn)
	database := strings.TrimPrefix(must(url.Parse(dsn)).Path, "/")
	dbtStitch(t, conn, database, "  type: postgres\n  dsn_env: DBT_PG_DSN\n")
	if got := profileSizes(t, conn); got != wantSizes {
		t.Errorf("profile sizes %s, want %s", got, wantSizes)
	}
	if got := stitchedRows(t, conn); got != "3" {
		t.Errorf("%s rows of events_stitched have a profile, want 3", got)
	}
}

func TestDBTCommandWritesThePropertyFile(t *testing.T) {
	dir := t.TempDir()
	project := filepath.Join(dir, "idstitch.yaml")
	writeFile(t, project, `project: shop
warehouse:
  path: shop.duckdb
id_types:
  - name: user_id
sources:
  - name: orders
    table: raw.orders
    ids:
      user_id: user_id
schedule:
  cron: "@hourly"
`)
	out := filepath.Join(dir, "dbt", "models", "idstitch_sources.yml")
	code, stdout, stderr := do(t, "dbt", "-c", project, "--out", out)
	if code != 0 {
		t.Fatalf("dbt: exit %d\n%s%s", code, stdout, stderr)
	}
	text := readFile(t, out)
	for _, want := range []string{"  - name: idstitch\n", "schema: identity\n", "      - name: orders_stitched\n", "warn_after:\n            count: 2\n            period: hour\n"} {
		if !strings.Contains(text, want) {
			t.Errorf("the property file lacks %q:\n%s", want, text)
		}
	}
	if !strings.Contains(stdout, "the dbt source idstitch with 11 tables") {
		t.Errorf("stdout: %s", stdout)
	}
}
