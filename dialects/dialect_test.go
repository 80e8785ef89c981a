package dialects

import "testing"

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
	if got := d.Table("my-project.raw", "events"); got != "`my-project.raw`.`events`" {
		t.Errorf("Table = %s", got)
	}
	if got := d.QuoteIdent("a`b"); got != "`a\\`b`" {
		t.Errorf("QuoteIdent = %s", got)
	}
	if got := d.String(`^a\s'b`); got != `'^a\\s\'b'` {
		t.Errorf("String = %s", got)
	}
}
