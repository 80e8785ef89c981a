package plan

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pmezard/go-difflib/difflib"
	"go.yaml.in/yaml/v3"

	"github.com/idstitch/idstitch/dialects"
	"github.com/idstitch/idstitch/engine/config"
)

// caseRounds keeps the golden scripts short; the rounds are identical but for their number.
const caseRounds = 2

// goldenCase is testdata/cases/<name>/case.yaml: what of the plans of its project a case pins.
type goldenCase struct {
	// Stages names the stages the golden files hold (a name like limit also matches
	// limit_email); none means every stage.
	Stages []string `yaml:"stages"`
	// Modes lists the plans compared: full and incremental unless told.
	Modes     []string `yaml:"modes"`
	Algorithm string   `yaml:"algorithm"`
	// LookupIndexes plans the indexes stage that serve asks for.
	LookupIndexes bool `yaml:"lookup_indexes"`
	// Controls are the tables people write to that the runner found rows in.
	Controls Controls `yaml:"controls"`
	// Rules are the guard rules that changed since the last run, for the incremental plan.
	Rules struct {
		Checks    bool           `yaml:"checks"`
		Degrees   bool           `yaml:"degrees"`
		OldLimits map[string]int `yaml:"old_limits"`
	} `yaml:"rules"`
}

// TestCases compiles every testdata/cases/<case>/idstitch.yaml for every dialect, full and
// incremental, and compares the stages the case pins with testdata/cases/<case>/<dialect>.<mode>.sql.
// Each case tests one feature; adding a case is adding a folder.
func TestCases(t *testing.T) {
	dirs, err := filepath.Glob("testdata/cases/*")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no golden cases found: %v", err)
	}
	for _, dir := range dirs {
		gc := loadCase(t, dir)
		p, err := config.Load(filepath.Join(dir, "idstitch.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range dialects.Names() {
			for _, mode := range gc.Modes {
				t.Run(filepath.Base(dir)+"/"+name+"/"+mode, func(t *testing.T) {
					d, _ := dialects.Lookup(name)
					compareGolden(t, filepath.Join(dir, name+"."+mode+".sql"), gc.script(t, p, d, mode))
				})
			}
		}
	}
}

func loadCase(t *testing.T, dir string) goldenCase {
	var gc goldenCase
	text, err := os.ReadFile(filepath.Join(dir, "case.yaml"))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(text))
	dec.KnownFields(true)
	if err := dec.Decode(&gc); err != nil && len(text) > 0 {
		t.Fatalf("%s/case.yaml: %v", dir, err)
	}
	if len(gc.Modes) == 0 {
		gc.Modes = []string{ModeFull, ModeIncremental}
	}
	return gc
}

// script plans the case's project in a mode and prints the stages it pins.
func (gc goldenCase) script(t *testing.T, p *config.Project, d dialects.Dialect, mode string) string {
	pl, err := New(p, d, Algorithm(gc.Algorithm))
	if err != nil {
		t.Fatal(err)
	}
	pl.LookupIndexes = gc.LookupIndexes
	var plan *Plan
	if mode == ModeIncremental {
		prior := Prior{Watermarks: map[string]time.Time{}, Rules: Rules{Checks: gc.Rules.Checks, Degrees: gc.Rules.Degrees, OldLimits: gc.Rules.OldLimits}}
		for _, s := range p.Sources {
			if s.Timestamp != "" {
				prior.Watermarks[s.Name] = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
			}
		}
		plan, err = pl.PlanWith(0, &prior, gc.Controls)
	} else {
		plan, err = pl.PlanWith(0, nil, gc.Controls)
	}
	if err != nil {
		t.Fatal(err)
	}
	script := gc.pinned(t, plan, d, mode).Script(caseRounds)
	if plan.Append != nil {
		// The append-only path: the probe after the extract, and the stages the runner goes on with.
		ap := *plan.Append
		ap.Stages = ap.Stages[stageAfter(ap.Stages, KindExtract):]
		script += "\n-- append-only path, taken when this counts 0 after the extract stage:\n" + plan.AppendProbe + ";\n\n" + gc.pinned(t, &ap, d, "append-only").Script(caseRounds)
		for _, rc := range ap.Rechecks {
			after := ""
			for _, st := range ap.Stages {
				if st.Kind == rc.After && after == "" {
					after = st.Name
				}
			}
			script += fmt.Sprintf("\n-- the append-only path goes on after its stage %s only when this counts 0, else the run goes on after the extract stage above (%s):\n%s;\n", after, rc.Why, rc.Query)
		}
	}
	return script
}

// pinned is a copy of plan with only the stages the case pins.
func (gc goldenCase) pinned(t *testing.T, plan *Plan, d dialects.Dialect, mode string) *Plan {
	if len(gc.Stages) == 0 {
		return plan
	}
	var kept []Stage
	for _, st := range plan.Stages {
		if gc.pins(st.Name) {
			kept = append(kept, st)
		}
	}
	// DuckDB has every capability, so its plans have every stage the others have.
	if len(kept) == 0 && d.Name() == "duckdb" && mode != "append-only" {
		t.Fatalf("the %s plan has none of the stages %v that case.yaml names", mode, gc.Stages)
	}
	cp := *plan
	cp.Stages = kept
	return &cp
}

func (gc goldenCase) pins(stage string) bool {
	for _, s := range gc.Stages {
		if stage == s || strings.HasPrefix(stage, s+"_") {
			return true
		}
	}
	return false
}

// compareGolden compares got with the golden file, printing a unified diff on a mismatch, or
// rewrites the file with -update.
func compareGolden(t *testing.T, golden, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v; run `go test ./engine/plan -run TestCases -update` to write it", err)
	}
	if string(want) == got {
		return
	}
	diff, _ := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{A: difflib.SplitLines(string(want)), B: difflib.SplitLines(got),
		FromFile: golden, ToFile: "compiled now", Context: 3})
	t.Errorf("the compiled plan differs from %s (-want +got); if the change is intended, run `go test ./engine/plan -run TestCases -update` and review the diff:\n%s", golden, diff)
}
