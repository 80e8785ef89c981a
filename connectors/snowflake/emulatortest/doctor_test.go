package emulatortest

import (
	"context"
	"testing"

	"github.com/idstitch/idstitch/engine/doctor"
	"github.com/idstitch/idstitch/engine/plan"
	"github.com/idstitch/idstitch/internal/demogen"
)

// TestDoctor runs idstitch doctor's checks on the emulator, as far as it allows.
func TestDoctor(t *testing.T) {
	p, conn := open(t, true)
	ctx := context.Background()
	if _, err := demogen.Generate(ctx, conn, demogen.Options{Persons: 50, Seed: 1, Schema: sourceSchema}); err != nil {
		t.Fatalf("load demo data through the connector: %v", err)
	}
	pl, err := plan.New(p, conn.Dialect(), "")
	if err != nil {
		t.Fatal(err)
	}
	// What the emulator v0.0.9 allows: the session answers and each source is read through
	// three-part names. It has no CURRENT_WAREHOUSE() (so the role is not asked and privileges
	// are not checked), no RAW_DB.INFORMATION_SCHEMA and no REGEXP_INSTR: those checks fail
	// here for the emulator's sake, and the test only logs them. Doctor must still run to its
	// end.
	findings := (&doctor.Doctor{Conn: conn, Planner: pl}).Run(ctx)
	seen := map[string]doctor.Status{}
	for _, f := range findings {
		seen[f.Check] = f.Status
		t.Logf("%-4s %s: %s %v", f.Status, f.Check, f.Detail, f.Fix)
	}
	if s, ok := seen["connect"]; !ok || s == doctor.Fail {
		t.Errorf("doctor could not talk to the emulator: %v", findings)
	}
	for _, src := range p.Sources {
		if s := seen["read source "+src.Name+" ("+src.Table+")"]; s != doctor.Pass {
			t.Errorf("reading source %s: %v, want ok", src.Name, s)
		}
	}
	if _, ok := seen["cost"]; !ok {
		t.Errorf("doctor stopped before its last check: %v", findings)
	}
}
