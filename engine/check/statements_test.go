package check

import (
	"testing"

	"github.com/idstitch/idstitch/dialects"
	"github.com/idstitch/idstitch/engine/config"
	"github.com/idstitch/idstitch/engine/plan"
)

// TestProbesAsBefore: the queries that check a source, rendered from their templates, are the text
// that the code building them in Go sent before, user expressions and filters as written.
func TestProbesAsBefore(t *testing.T) {
	p, err := config.Load("../plan/testdata/cases/expressions/idstitch.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, dn := range dialects.Names() {
		d, _ := dialects.Lookup(dn)
		pl, err := plan.New(p, d, plan.Contraction)
		if err != nil {
			t.Fatal(err)
		}
		pr := newProbes(pl)
		checked := 0
		for _, s := range p.Sources {
			for _, m := range s.IDs {
				for _, c := range m.Columns {
					if config.IsColumn(c) {
						continue
					}
					checked++
					if got, want := pr.expression(s, c), "SELECT "+c+" FROM "+pl.SourceTable(s)+" LIMIT 0"; got != want {
						t.Errorf("%s, %s, expression %q:\n got %s\nwant %s", dn, s.Name, c, got, want)
					}
				}
			}
			if s.Filter != "" {
				checked++
				if got, want := pr.filter(s), "SELECT 1 FROM "+pl.SourceTable(s)+" WHERE ("+s.Filter+")"+" LIMIT 0"; got != want {
					t.Errorf("%s, %s, filter:\n got %s\nwant %s", dn, s.Name, got, want)
				}
			}
			if got, want := pr.extract(s), "SELECT * FROM ("+pl.ExtractQuery(s)+") x"+" LIMIT 0"; got != want {
				t.Errorf("%s, %s, extraction:\n got %s\nwant %s", dn, s.Name, got, want)
			}
		}
		if checked < 3 {
			t.Fatalf("the sample project has %d expressions and filters; it should exercise both", checked)
		}
	}
}
