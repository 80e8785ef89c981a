package plan

import (
	"slices"
	"testing"

	"github.com/idstitch/idstitch/dialects"
	"github.com/idstitch/idstitch/engine/config"
)

// TestAttributesRebuild: adding, changing or removing attributes changes the traits section of
// the state's fingerprints (the attributes' values are stored with the rows), so the next run
// rebuilds; a project that never had attributes keeps the digest it had before they existed.
func TestAttributesRebuild(t *testing.T) {
	p, err := config.Load("testdata/cases/attributes/idstitch.yaml")
	if err != nil {
		t.Fatal(err)
	}
	fingerprints := func(p *config.Project) map[string]string {
		pl, err := New(p, dialects.DuckDB{}, Contraction)
		if err != nil {
			t.Fatal(err)
		}
		return pl.StateMeta().Fingerprints()
	}
	with := fingerprints(p)
	changed := *p
	changed.Attributes = slices.Clone(p.Attributes)
	changed.Attributes[0].Rule = config.RuleFirstSeen
	without := *p
	without.Attributes = nil
	if got := Changed(with, fingerprints(&changed)); !slices.Equal(got, []string{"traits"}) {
		t.Errorf("a rule changed: sections %v changed, want [traits]", got)
	}
	if got := Changed(with, fingerprints(&without)); !slices.Equal(got, []string{"traits"}) {
		t.Errorf("attributes removed: sections %v changed, want [traits]", got)
	}
	if got, want := fingerprints(&without)["traits"], fingerprint(p.Traits); got != want {
		t.Errorf("without attributes the traits digest is %s, want %s as before", got, want)
	}
}
