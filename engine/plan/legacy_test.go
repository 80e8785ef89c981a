package plan

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/idstitch/idstitch/dialects"
	"github.com/idstitch/idstitch/engine/config"
)

// legacyVariant is a way to plan a golden project besides a plain full run.
type legacyVariant struct {
	name string
	plan func(p *config.Project, d dialects.Dialect) (*Plan, error)
}

func legacyPrior(p *config.Project, rules Rules) Prior {
	prior := Prior{Watermarks: map[string]time.Time{}, Rules: rules}
	for _, s := range p.Sources {
		if s.Timestamp != "" {
			prior.Watermarks[s.Name] = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
		}
	}
	return prior
}

func incrementalVariant(name string, rules Rules) legacyVariant {
	return legacyVariant{name, func(p *config.Project, d dialects.Dialect) (*Plan, error) {
		pl, err := New(p, d, Contraction)
		if err != nil {
			return nil, err
		}
		return pl.PlanIncremental(0, legacyPrior(p, rules))
	}}
}

var legacyVariants = []legacyVariant{
	incrementalVariant("incremental", Rules{}),
	incrementalVariant("incremental-checks-limits", Rules{Checks: true, OldLimits: map[string]int{"user_id": 2, "email": 1}}),
	incrementalVariant("incremental-degrees", Rules{Degrees: true}),
	{"labelprop", func(p *config.Project, d dialects.Dialect) (*Plan, error) {
		pl, err := New(p, d, LabelPropagation)
		if err != nil {
			return nil, err
		}
		return pl.Plan(0)
	}},
	{"indexes", func(p *config.Project, d dialects.Dialect) (*Plan, error) {
		pl, err := New(p, d, Contraction)
		if err != nil {
			return nil, err
		}
		pl.LookupIndexes = true
		return pl.Plan(0)
	}},
}

// TestGoldenVariants compares the incremental, label-propagation and indexed plans of every golden
// project with testdata/<case>/<dialect>.<variant>.sql.
func TestGoldenVariants(t *testing.T) {
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
			for _, v := range legacyVariants {
				t.Run(filepath.Base(dir)+"/"+name+"/"+v.name, func(t *testing.T) {
					d, _ := dialects.Lookup(name)
					plan, err := v.plan(p, d)
					if err != nil {
						t.Fatal(err)
					}
					got := plan.Script(goldenRounds)
					golden := filepath.Join(dir, name+"."+v.name+".sql")
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
						t.Fatalf("compiled plan differs from %s", golden)
					}
				})
			}
		}
	}
}
