package plan

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/idstitch/idstitch/dialects"
	"github.com/idstitch/idstitch/engine/config"
)

var update = flag.Bool("update", false, "rewrite the golden compiled plans in testdata")

// goldenRounds keeps the golden scripts short; the rounds are identical but for their number.
const goldenRounds = 3

// TestGolden compiles every testdata/<case>/idstitch.yaml for every dialect and compares the
// script with testdata/<case>/<dialect>.sql. Adding a case is adding a folder.
func TestGolden(t *testing.T) {
	cases, err := filepath.Glob("testdata/*/idstitch.yaml")
	if err != nil || len(cases) == 0 {
		t.Fatalf("no golden cases found: %v", err)
	}
	for _, file := range cases {
		dir := filepath.Dir(file)
		p, err := config.Load(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range dialects.Names() {
			t.Run(filepath.Base(dir)+"/"+name, func(t *testing.T) {
				d, _ := dialects.Lookup(name)
				pl, err := New(p, d, Contraction)
				if err != nil {
					t.Fatal(err)
				}
				plan, err := pl.Plan(0)
				if err != nil {
					t.Fatal(err)
				}
				got := plan.Script(goldenRounds)
				golden := filepath.Join(dir, name+".sql")
				if *update {
					if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("%v; run `go test ./engine/plan -update` to write it", err)
				}
				if string(want) != got {
					t.Fatalf("compiled plan differs from %s; if the change is intended, run `go test ./engine/plan -update` and review the diff", golden)
				}
			})
		}
	}
}

func TestUnknownAlgorithm(t *testing.T) {
	p, err := config.Load("testdata/minimal/idstitch.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := New(p, dialects.DuckDB{}, "bfs"); err == nil {
		t.Fatal("an unknown algorithm was accepted")
	}
}
