package check

import (
	"os"
	"strings"
	"testing"

	"github.com/idstitch/idstitch/dialects"
	"github.com/idstitch/idstitch/engine/config"
	"github.com/idstitch/idstitch/engine/plan"
)

// TestRehearsalStaysOutOfTheProjectSchemas: the rehearsal publishes into schemas of its own. In
// the project's it compared its hundred rows with every published identifier, seconds per
// million on each run, and on Postgres held locks on the published tables until it rolled back.
func TestRehearsalStaysOutOfTheProjectSchemas(t *testing.T) {
	cases, err := os.ReadDir("../plan/testdata/cases")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		p, err := config.Load("../plan/testdata/cases/" + c.Name() + "/idstitch.yaml")
		if err != nil {
			t.Fatal(err)
		}
		for _, dn := range []string{"duckdb", "postgres"} {
			d, _ := dialects.Lookup(dn)
			if !d.Supports(dialects.TransactionalDDL) {
				t.Fatalf("%s: the rehearsal runs only where DDL is transactional", dn)
			}
			pl, err := plan.New(p, d, plan.Contraction)
			if err != nil {
				t.Fatal(err)
			}
			stmts, _, err := rehearsal(pl, d)
			if err != nil {
				t.Fatal(err)
			}
			o := p.Output
			for _, schema := range []string{o.Schema, o.StateSchema, o.WorkSchema} {
				for _, s := range stmts {
					if strings.Contains(s, d.QuoteIdent(schema)+".") {
						t.Fatalf("%s, %s: the rehearsal writes or reads schema %s of the project:\n%s", c.Name(), dn, schema, s)
					}
				}
			}
		}
	}
}
