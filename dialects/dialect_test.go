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
