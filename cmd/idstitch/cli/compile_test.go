package cli

import (
	"strings"
	"testing"
	"time"

	"github.com/idstitch/idstitch/dialects"
	"github.com/idstitch/idstitch/engine/config"
	"github.com/idstitch/idstitch/engine/plan"
)

// TestCompileIncremental: compile --incremental prints the plan of an incremental run whose
// sources were read up to the watermark, for any dialect; a bad watermark, or one without
// --incremental, is refused with one sentence.
func TestCompileIncremental(t *testing.T) {
	const project = "../../../engine/plan/testdata/cases/expressions/idstitch.yaml"
	p, err := config.Load(project)
	if err != nil {
		t.Fatal(err)
	}
	wm := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	prior := plan.Prior{Watermarks: map[string]time.Time{}}
	for _, s := range p.Sources {
		prior.Watermarks[s.Name] = wm
	}
	for _, name := range dialects.Names() {
		d, _ := dialects.Lookup(name)
		pl, err := plan.New(p, d, plan.Contraction)
		if err != nil {
			t.Fatal(err)
		}
		want, err := pl.PlanIncremental(0, prior)
		if err != nil {
			t.Fatal(err)
		}
		code, out, errs := do(t, "compile", "-c", project, "--dialect", name, "--rounds", "3", "--incremental", "--watermark", "2026-11-01T00:00:00Z")
		if code != 0 {
			t.Fatalf("compile --incremental --dialect %s: exit %d, %s", name, code, errs)
		}
		if out != want.Script(3) {
			t.Errorf("compile --incremental --dialect %s does not print the incremental plan", name)
		}
		if !strings.Contains(out, "stage region") || !strings.Contains(out, "2026-10-29 00:00:00") {
			t.Errorf("compile --incremental --dialect %s: no region stage, or not read from the watermark less the 3-day lookback", name)
		}
	}
	for _, args := range [][]string{{"--incremental", "--watermark", "yesterday"}, {"--watermark", "2026-11-01T00:00:00Z"}} {
		code, _, errs := do(t, append([]string{"compile", "-c", project}, args...)...)
		if code != exitUsage || !strings.Contains(errs, "--watermark") {
			t.Errorf("compile %v: exit %d, %q; want a usage error about --watermark", args, code, errs)
		}
	}
}
