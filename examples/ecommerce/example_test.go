// Package ecommerce is the demo as a ready example project: the project file with guards, traits
// and the two classic audiences (loyal customers, frequent cart abandoners), and its LookML. A test
// regenerates both and fails when they differ from what is committed, so the example cannot rot.
package ecommerce

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/idstitch/idstitch/engine/config"
	"github.com/idstitch/idstitch/engine/lookml"
	"github.com/idstitch/idstitch/internal/demogen"
)

var update = flag.Bool("update", false, "rewrite the example from the generator")

func TestExampleIsFresh(t *testing.T) {
	want := map[string]string{
		"idstitch.yaml": demogen.Project(demogen.ProjectOptions{Name: "ecommerce", Warehouse: "duckdb", Path: "demo.duckdb", Guards: true, Traits: true}),
	}
	p, err := config.Parse("idstitch.yaml", []byte(want["idstitch.yaml"]))
	if err != nil {
		t.Fatal(err)
	}
	for name, text := range lookml.Files(p) {
		want[filepath.Join("lookml", name)] = text
	}
	for name, text := range want {
		if *update {
			os.MkdirAll(filepath.Dir(name), 0o755)
			if err := os.WriteFile(name, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(name)
		if err != nil || string(got) != text {
			t.Errorf("examples/ecommerce/%s is not what the generator writes now; run `go test ./examples/ecommerce -update` and review the diff", name)
		}
	}
	files, _ := filepath.Glob("lookml/*")
	if !*update && len(files) != len(want)-1 {
		t.Errorf("examples/ecommerce/lookml holds %d files, the generator writes %d; remove the stale ones", len(files), len(want)-1)
	}
}
