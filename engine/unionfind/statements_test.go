package unionfind

import (
	"slices"
	"strings"
	"testing"

	"github.com/idstitch/idstitch/dialects"
	"github.com/idstitch/idstitch/engine/config"
	"github.com/idstitch/idstitch/engine/render"
)

// TestSourceQueryAsBefore: the query reading a source, rendered from its template, is the text the
// code building it in Go sent before: columns quoted, expressions as written, each cast to text,
// the filter parenthesised.
func TestSourceQueryAsBefore(t *testing.T) {
	p, err := config.Load("../plan/testdata/cases/expressions/idstitch.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, dn := range dialects.Names() {
		d, _ := dialects.Lookup(dn)
		r := render.ForProject(d, p)
		for _, s := range p.Sources {
			var exprs, types []string
			for _, m := range s.IDs {
				for _, c := range m.Columns {
					e := c
					if config.IsColumn(c) {
						e = d.QuoteIdent(c)
					}
					exprs = append(exprs, d.Cast(e, dialects.Text))
					types = append(types, m.Type)
				}
			}
			want := "SELECT " + strings.Join(exprs, ", ") + " FROM " + d.Table(s.Schema(), s.TableName())
			if s.Filter != "" {
				want += " WHERE (" + s.Filter + ")"
			}
			got, gotTypes := sourceQuery(r, s)
			if got != want {
				t.Errorf("%s, %s:\n got %s\nwant %s", dn, s.Name, got, want)
			}
			if !slices.Equal(gotTypes, types) {
				t.Errorf("%s, %s: types %v, want %v", dn, s.Name, gotTypes, types)
			}
		}
	}
}
