package lookup

import (
	"strings"
	"testing"

	"github.com/idstitch/idstitch/engine/plan"
)

// TestAmbiguousSaysItsEvidence: an anonymous identifier that policy evidence left out is
// explained by the number of known profiles its rows point to.
func TestAmbiguousSaysItsEvidence(t *testing.T) {
	got := (&NotFound{What: `cookie "k3"`, Reason: plan.ReasonAmbiguous, Evidence: 2}).Error()
	want := `cookie "k3" is quarantined (anonymous_ambiguous): its own rows point to 2 known profiles`
	if !strings.HasPrefix(got, want) {
		t.Fatalf("got %q, want it to begin %q", got, want)
	}
}
