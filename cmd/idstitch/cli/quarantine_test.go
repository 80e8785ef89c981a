package cli

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/idstitch/idstitch/connectors/duckdb"
)

// TestLookupOfAValueNoRowHolds: a value that the guards refuse but that no row held was said to
// be "quarantined (invalid)" with evidence 0; it is not in the quarantine, and the answer says
// that it would be. A value that a run did quarantine still says so.
func TestLookupOfAValueNoRowHolds(t *testing.T) {
	dir := t.TempDir()
	if code, out, errs := do(t, "demo", "--dir", dir, "--persons", "200", "--quiet"); code != 0 {
		t.Fatalf("demo: %s%s", out, errs)
	}
	project := filepath.Join(dir, "idstitch.yaml")
	code, _, errs := do(t, "lookup", "-c", project, "email=never-seen-and-no-at-sign")
	want := `email "never-seen-and-no-at-sign" is not in any profile: no row holds it, and the guards would quarantine it (invalid) if one did`
	if code != exitError || !strings.Contains(errs, want) {
		t.Errorf("lookup of an invalid value no row holds: exit %d, stderr %q; want %q", code, errs, want)
	}

	conn, err := duckdb.Open(context.Background(), filepath.Join(dir, "demo.duckdb"), true)
	if err != nil {
		t.Fatal(err)
	}
	var idType, value, reason string
	err = conn.DB().QueryRow("SELECT id_type, id_value, reason FROM identity.id_quarantine WHERE reason IN ('invalid', 'blocked') ORDER BY id_type, id_value LIMIT 1").Scan(&idType, &value, &reason)
	conn.Close()
	if err != nil {
		t.Fatalf("the demo quarantines no invalid or blocked value: %v", err)
	}
	code, _, errs = do(t, "lookup", "-c", project, idType+"="+value)
	if want := "is quarantined (" + reason + ")"; code != exitError || !strings.Contains(errs, want) {
		t.Errorf("lookup of a quarantined %s value: exit %d, stderr %q; want %q", reason, code, errs, want)
	}
}
