package lookml

import (
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/idstitch/idstitch/connectors/duckdb"
	"github.com/idstitch/idstitch/engine/config"
)

// reserved is a project whose output schema and a source column are reserved words.
func reserved(warehouse string) string {
	return `project: words
warehouse:
` + warehouse + `output:
  schema: from
id_types:
  - name: user_id
sources:
  - name: orders
    table: sales.orders
    timestamp: select
    ids:
      user_id: order
`
}

var (
	tableName = regexp.MustCompile(`sql_table_name: (.*) ;;`)
	column    = regexp.MustCompile(`sql: \$\{TABLE\}\.(.*) ;;`)
)

// TestLookMLQuotesNames: Looker pastes sql_table_name and the sql of each dimension into its
// queries, so each must be SQL the warehouse parses even when the names are reserved words:
// every table and column of the generated views, put into a query, goes through DuckDB's parser.
func TestLookMLQuotesNames(t *testing.T) {
	p, err := config.Parse("idstitch.yaml", []byte(reserved("  type: duckdb\n  path: w.duckdb\n")))
	if err != nil {
		t.Fatal(err)
	}
	conn, err := duckdb.Open(context.Background(), "", false)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	checked := 0
	for name, text := range Files(p) {
		m := tableName.FindStringSubmatch(text)
		if m == nil {
			continue
		}
		for _, c := range column.FindAllStringSubmatch(text, -1) {
			q := "SELECT t." + c[1] + " FROM " + m[1] + " AS t"
			if err := conn.ParseOne(context.Background(), q); err != nil {
				t.Errorf("%s: %s does not parse: %v", name, q, err)
			}
			checked++
		}
	}
	if checked < 15 {
		t.Fatalf("only %d columns checked; the test no longer reads the views", checked)
	}
	if got := tableName.FindStringSubmatch(Files(p)["profiles.view.lkml"])[1]; got != `"from"."profiles"` {
		t.Errorf("DuckDB: sql_table_name %s", got)
	}
}

// TestLookMLQuotesAsEachWarehouse: the names are quoted as the planner quotes them on each
// warehouse, so that they name the tables and columns it made.
func TestLookMLQuotesAsEachWarehouse(t *testing.T) {
	for _, c := range []struct{ warehouse, table, column string }{
		{"  type: postgres\n  dsn_env: PG_DSN\n", `"from"."profiles"`, `"order"`},
		{"  type: snowflake\n  account: a\n  user: u\n  database: d\n  password_env: P\n", `"FROM"."PROFILES"`, `"ORDER"`},
		{"  type: bigquery\n  project: p\n", "`from`.`profiles`", "`order`"},
	} {
		p, err := config.Parse("idstitch.yaml", []byte(reserved(c.warehouse)))
		if err != nil {
			t.Fatal(err)
		}
		files := Files(p)
		if got := tableName.FindStringSubmatch(files["profiles.view.lkml"])[1]; got != c.table {
			t.Errorf("%s: sql_table_name %s, want %s", p.Warehouse.Type, got, c.table)
		}
		if !strings.Contains(files["orders_stitched.view.lkml"], "sql: ${TABLE}."+c.column+" ;;") {
			t.Errorf("%s: the column order is not quoted as %s:\n%s", p.Warehouse.Type, c.column, files["orders_stitched.view.lkml"])
		}
	}
}

// TestReservedWordsParseAsLookML: the quoted names keep the files LookML.
func TestReservedWordsParseAsLookML(t *testing.T) {
	dir := parserDir(t)
	p, err := config.Parse("idstitch.yaml", []byte(reserved("  type: duckdb\n  path: w.duckdb\n")))
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	names, err := Write(p, out)
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, n := range names {
		paths = append(paths, filepath.Join(out, n))
	}
	if msg, err := parse(t, dir, paths...); err != nil {
		t.Fatalf("LookML does not parse: %v\n%s", err, msg)
	}
}
