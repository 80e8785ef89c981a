package graphpage

import (
	"strings"
	"testing"

	_ "github.com/idstitch/idstitch/connectors/duckdb" // the project files under test are DuckDB projects
	"github.com/idstitch/idstitch/dialects"
	"github.com/idstitch/idstitch/engine/config"
	"github.com/idstitch/idstitch/engine/plan"
	"github.com/idstitch/idstitch/engine/render"
	idsql "github.com/idstitch/idstitch/sql"
)

// TestStatementsRenderEverywhere: the page's statements render for every dialect, with and
// without scopes; each reads the published table it names through the dialect's quoting, binds
// the universal id with the dialect's placeholder, and the neighbours read each source's stored
// rows through every ordered pair of its slots.
func TestStatementsRenderEverywhere(t *testing.T) {
	for _, c := range []struct {
		file   string
		scoped bool
	}{{"../plan/testdata/cases/expressions/idstitch.yaml", false}, {"../plan/testdata/cases/scopes/idstitch.yaml", true}} {
		p, err := config.Load(c.file)
		if err != nil {
			t.Fatal(err)
		}
		if p.Scoped() != c.scoped {
			t.Fatalf("%s: scoped %v, want %v", c.file, p.Scoped(), c.scoped)
		}
		for _, dn := range dialects.Names() {
			d, _ := dialects.Lookup(dn)
			pl, err := plan.New(p, d, plan.Contraction)
			if err != nil {
				t.Fatal(err)
			}
			r := pl.Renderer()
			ph := d.Placeholder(1)
			for name, q := range map[string]string{
				"nodes": render.SQL(r, idsql.ExplainNodes, idsql.ExplainNodesData{Rows: 7, Scoped: c.scoped}),
				"types": render.SQL(r, idsql.ExplainTypes, idsql.ExplainTypesData{}),
				"edges": render.SQL(r, idsql.ExplainEdges, idsql.ExplainEdgesData{Rows: 7, Scoped: c.scoped}),
			} {
				table := pl.OutputTable(plan.IDGraph)
				if name == "edges" {
					table = pl.OutputTable(plan.IDEdges)
				}
				if !strings.Contains(q, "FROM "+table+" WHERE universal_id = "+ph) {
					t.Errorf("%s %s: %s does not read %s by universal id", c.file, dn, name, table)
				}
				if name != "types" && !strings.HasSuffix(q, "LIMIT 7") {
					t.Errorf("%s %s: %s does not end with its limit: %s", c.file, dn, name, q)
				}
			}
			qs := pl.NeighbourQueries(9)
			var multi int
			for _, s := range p.Sources {
				if n := columns(s); n > 1 {
					multi++
					want := n * (n - 1)
					found := false
					for _, q := range qs {
						if strings.Contains(strings.ToLower(q), "rows_"+strings.ToLower(s.Name)) {
							found = true
							if got := strings.Count(q, "SELECT n"); got != want {
								t.Errorf("%s %s: the neighbours of source %s read %d pairs of slots, want %d", c.file, dn, s.Name, got, want)
							}
							if c.scoped != strings.Contains(q, "q.pool = r.q_pool") {
								t.Errorf("%s %s: neighbours of %s match pools %v, scoped %v", c.file, dn, s.Name, !c.scoped, c.scoped)
							}
						}
					}
					if !found {
						t.Errorf("%s %s: no neighbours query reads the stored rows of %s", c.file, dn, s.Name)
					}
				}
			}
			if len(qs) != multi {
				t.Errorf("%s %s: %d neighbours queries for %d sources of several identifier columns", c.file, dn, len(qs), multi)
			}
		}
	}
}

// columns counts the identifier columns of a source.
func columns(s config.Source) int {
	n := 0
	for _, id := range s.IDs {
		n += len(id.Columns)
	}
	return n
}
