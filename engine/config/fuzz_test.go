package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/idstitch/idstitch/dialects"
	"github.com/idstitch/idstitch/engine/expr"
)

// FuzzParse feeds the project-file loader and validator arbitrary files, seeded with every golden
// project, the examples and a few hostile ones. Whatever the input, Parse returns a project or one
// error and never panics; an error is one sentence that names the file; and a project it accepts
// has only expressions that are each one expression to every warehouse's lexical rules, and names
// a run can use.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob("../plan/testdata/cases/*/idstitch.yaml")
	more, _ := filepath.Glob("../../examples/*/idstitch.yaml")
	for _, s := range append(seeds, more...) {
		if b, err := os.ReadFile(s); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("project: p\nwarehouse: {type: duckdb, path: x.duckdb}\nid_types: [{name: email}]\nsources:\n  - {name: s, table: t, ids: {email: e}, filter: \"1=1); DROP TABLE t; --\"}\n"))
	f.Add([]byte("project: p\n\twarehouse: x\n"))
	f.Add([]byte("---\nproject: a\n---\nproject: b\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse("idstitch.yaml", data)
		if err != nil {
			msg := err.Error()
			if !strings.HasPrefix(msg, "idstitch.yaml") {
				t.Fatalf("the error does not name the file: %q", msg)
			}
			if !utf8.ValidString(msg) && utf8.Valid(data) {
				t.Fatalf("the error is not UTF-8: %q", msg)
			}
			return
		}
		d, err := dialects.Lookup(p.Warehouse.Type)
		if err != nil {
			t.Fatalf("Parse accepted warehouse.type %q: %v", p.Warehouse.Type, err)
		}
		for _, e := range p.Expressions() {
			if err := expr.Check(e.Text, d.Lexicon()); err != nil {
				t.Fatalf("Parse accepted %s = %q, which is not one expression on %s: %v", e.Key, e.Text, d.Name(), err)
			}
		}
		if p.Output.Schema == "" || p.Output.WorkSchema == "" || p.Output.StateSchema == "" {
			t.Fatalf("Parse accepted a project without its schemas: %+v", p.Output)
		}
	})
}
