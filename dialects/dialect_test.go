package dialects

import (
	"strings"
	"testing"
)

func TestQuoting(t *testing.T) {
	for _, d := range []Dialect{DuckDB{}, Postgres{}} {
		if got := d.QuoteIdent(`we"ird`); got != `"we""ird"` {
			t.Errorf("%s: QuoteIdent = %s", d.Name(), got)
		}
		if got := d.String(`o'brien\`); got != `'o''brien\'` {
			t.Errorf("%s: String = %s", d.Name(), got)
		}
		if got := d.Table("raw", "Events"); got != `"raw"."Events"` {
			t.Errorf("%s: Table = %s", d.Name(), got)
		}
	}
}

func TestLookup(t *testing.T) {
	for _, name := range []string{"duckdb", "postgres", "DuckDB"} {
		if _, err := Lookup(name); err != nil {
			t.Errorf("Lookup(%q): %v", name, err)
		}
	}
	if _, err := Lookup("oracle"); err == nil {
		t.Error("Lookup(oracle) succeeded")
	}
}

func TestSnowflakeFoldsPlainNames(t *testing.T) {
	d := Snowflake{}
	for in, want := range map[string]string{"events": `"EVENTS"`, "id_graph": `"ID_GRAPH"`, "Events": `"Events"`, `we"ird`: `"we""ird"`} {
		if got := d.QuoteIdent(in); got != want {
			t.Errorf("QuoteIdent(%q) = %s, want %s", in, got, want)
		}
	}
	if got := d.String(`^a\s'b`); got != `'^a\\s''b'` {
		t.Errorf("String = %s", got)
	}
}

func TestBigQueryQuoting(t *testing.T) {
	d := BigQuery{}
	if got := d.QuoteIdent("a`b"); got != "`a\\`b`" {
		t.Errorf("QuoteIdent = %s", got)
	}
	if got := d.String(`^a\s'b`); got != `'^a\\s\'b'` {
		t.Errorf("String = %s", got)
	}
}

// A schema may carry a database (Snowflake RAW_DB.WEB, DuckDB's attached files, Postgres) or a
// project (BigQuery my-project.raw): each part is one identifier and is quoted on its own, since
// a quoted "RAW_DB.WEB" would name one schema with a dot in its name.
func TestQualifiedNames(t *testing.T) {
	for _, tc := range []struct {
		d                  Dialect
		schema, name, want string
	}{
		{Snowflake{}, "raw_db.web", "events", `"RAW_DB"."WEB"."EVENTS"`},
		{Snowflake{}, "RAW_DB.WEB", "EVENTS", `"RAW_DB"."WEB"."EVENTS"`},
		{Snowflake{}, "raw", "events", `"RAW"."EVENTS"`},
		{DuckDB{}, "raw_db.web", "events", `"raw_db"."web"."events"`},
		{Postgres{}, "raw_db.web", "events", `"raw_db"."web"."events"`},
		{BigQuery{}, "my-project.raw", "events", "`my-project`.`raw`.`events`"},
		{BigQuery{}, "raw", "events", "`raw`.`events`"},
	} {
		if got := tc.d.Table(tc.schema, tc.name); got != tc.want {
			t.Errorf("%s: Table(%q, %q) = %s, want %s", tc.d.Name(), tc.schema, tc.name, got, tc.want)
		}
	}
	for _, tc := range []struct {
		d            Dialect
		schema, want string
	}{
		{Snowflake{}, "raw_db.identity", `CREATE SCHEMA IF NOT EXISTS "RAW_DB"."IDENTITY"`},
		{BigQuery{}, "my-project.identity", "CREATE SCHEMA IF NOT EXISTS `my-project`.`identity`"},
	} {
		if got := tc.d.CreateSchema(tc.schema); got != tc.want {
			t.Errorf("%s: CreateSchema(%q) = %s, want %s", tc.d.Name(), tc.schema, got, tc.want)
		}
	}
	if q, _ := (BigQuery{}).ViewsQuery("my-project.identity"); !strings.Contains(q, "`my-project`.`identity`.INFORMATION_SCHEMA.VIEWS") {
		t.Errorf("BigQuery ViewsQuery = %s", q)
	}
	if q, args := (Snowflake{}).ColumnsQuery("raw_db.web", "events"); !strings.Contains(q, `FROM "RAW_DB".information_schema.columns`) || args[0] != "web" {
		t.Errorf("Snowflake ColumnsQuery = %s %v", q, args)
	}
}

// A BigQuery dialect that knows where the sources are creates the run's datasets there: a
// dataset's location is fixed when it is created, and a query reads datasets of one location.
func TestBigQueryLocation(t *testing.T) {
	d := BigQuery{Location: "EU"}
	want := "CREATE SCHEMA IF NOT EXISTS `my-project`.`identity`\nOPTIONS (location = 'EU')"
	if got := d.CreateSchema("my-project.identity"); got != want {
		t.Errorf("CreateSchema = %s, want %s", got, want)
	}
	if got := d.CreateWorkSchema("identity_work"); !strings.HasSuffix(got, "OPTIONS (location = 'EU')") {
		t.Errorf("CreateWorkSchema = %s", got)
	}
	if got := (BigQuery{}).CreateSchema("identity"); got != "CREATE SCHEMA IF NOT EXISTS `identity`" {
		t.Errorf("no location: CreateSchema = %s", got)
	}
}

// TestBigQueryLayoutClauses: BigQuery partitions by month of a TIMESTAMP column and clusters by
// at most four columns, before AS; without a layout the statement is CreateTableAs's.
func TestBigQueryLayoutClauses(t *testing.T) {
	b := BigQuery{}
	got := b.CreateLaidOut("`s`.`t`", "SELECT 1", TableLayout{TimePartition: "ts", Cluster: []string{"a", "b", "c", "d", "e"}})
	want := "CREATE OR REPLACE TABLE `s`.`t`\nPARTITION BY TIMESTAMP_TRUNC(`ts`, MONTH)\nCLUSTER BY `a`, `b`, `c`, `d` AS\nSELECT 1"
	if got != want {
		t.Errorf("CreateLaidOut = %q, want %q", got, want)
	}
	if got, want := b.CreateLaidOut("`s`.`t`", "SELECT 1", TableLayout{}), b.CreateTableAs("`s`.`t`", "SELECT 1", false); got != want {
		t.Errorf("CreateLaidOut without a layout = %q, want %q", got, want)
	}
	if got := b.ReplaceLaidOut("n", "f", TableLayout{Cluster: []string{"a"}}); len(got) != 1 {
		t.Errorf("a clustered table is replaced by %q, want one statement", got)
	}
	if got := b.ReplaceLaidOut("n", "f", TableLayout{TimePartition: "ts"}); len(got) != 2 || got[0] != "DROP TABLE IF EXISTS f" {
		t.Errorf("a partitioned table is replaced by %q, want a drop first", got)
	}
}
