package lookml

import (
	"strings"
	"testing"

	"github.com/idstitch/idstitch/engine/config"
)

// TestScopesDimensions: with scopes declared, profiles has a pool dimension, id_graph scope and
// pool, and each stitched view the row's scope and pool; without, none of them.
func TestScopesDimensions(t *testing.T) {
	for _, c := range []struct {
		file   string
		scoped bool
	}{{"../plan/testdata/cases/scopes/idstitch.yaml", true}, {"../plan/testdata/cases/minimal/idstitch.yaml", false}} {
		p, err := config.Load(c.file)
		if err != nil {
			t.Fatal(err)
		}
		files := Files(p)
		for file, dims := range map[string][]string{
			"profiles.view.lkml":                      {"pool"},
			"id_graph.view.lkml":                      {"scope", "pool"},
			p.Sources[0].Name + "_stitched.view.lkml": {"row_scope", "row_pool"},
		} {
			for _, d := range dims {
				if has := strings.Contains(files[file], "dimension: "+d+" {"); has != c.scoped {
					t.Errorf("%s: %s declares dimension %s: %v, want %v", c.file, file, d, has, c.scoped)
				}
			}
		}
	}
}
