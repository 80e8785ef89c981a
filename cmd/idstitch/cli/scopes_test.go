package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/idstitch/idstitch/connectors/duckdb"
)

// scopedProject writes a DuckDB file whose events carry an app_id (two declared apps of one pool,
// NULL and an undeclared app) and a project file with scopes and no default scope.
func scopedProject(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	ctx := context.Background()
	conn, err := duckdb.Open(ctx, filepath.Join(dir, "scoped.duckdb"), false)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"CREATE TABLE events (ts TIMESTAMP, app_id VARCHAR, user_id VARCHAR, device_id VARCHAR)",
		`INSERT INTO events VALUES ('2025-01-01 10:00', 'app1', 'u1', 'd1'), ('2025-01-01 11:00', 'app2', 'u2', 'd1'),
			('2025-01-01 12:00', NULL, 'u3', 'd3'), ('2025-01-01 13:00', 'zzz', 'u4', 'd4')`,
	} {
		if err := conn.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	conn.Close()
	project := filepath.Join(dir, "idstitch.yaml")
	yaml := `project: scoped
warehouse:
  type: duckdb
  path: scoped.duckdb
scopes:
  pools:
    games: [app1, app2]
id_types:
  - name: user_id
  - name: device_id
    scope: local
sources:
  - name: events
    table: main.events
    timestamp: ts
    scope_column: app_id
    ids:
      user_id: user_id
      device_id: device_id
`
	if err := os.WriteFile(project, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	return project
}

// TestValidateCountsUnscopedRows: validate warns of the rows left out for want of a declared
// scope, with their count, and still finds the project valid.
func TestValidateCountsUnscopedRows(t *testing.T) {
	project := scopedProject(t)
	code, out, errs := do(t, "validate", "-c", project)
	if code != 0 || !strings.Contains(out, "is valid") {
		t.Fatalf("validate: exit %d, %s%s", code, out, errs)
	}
	if want := "sources[0].scope_column: 2 rows of main.events have NULL or an undeclared scope in app_id"; !strings.Contains(errs, want) {
		t.Fatalf("validate: stderr %q; want the warning %q", errs, want)
	}
}

// TestLookupScope: a device id held in two apps (a local type) is two identifiers; lookup
// --scope picks one, and without a scope the lookup asks for one.
func TestLookupScope(t *testing.T) {
	project := scopedProject(t)
	if code, _, errs := do(t, "run", "-c", project, "--quiet"); code != 0 {
		t.Fatalf("run: %s", errs)
	}
	uid := map[string]string{}
	for _, scope := range []string{"app1", "app2"} {
		code, out, errs := do(t, "lookup", "-c", project, "--scope", scope, "device_id=d1")
		if code != 0 {
			t.Fatalf("lookup --scope %s: exit %d %s", scope, code, errs)
		}
		var res struct {
			UniversalID string `json:"universal_id"`
			Scope       string `json:"scope"`
			Identifiers []struct{ Type, Value string }
		}
		if err := json.Unmarshal([]byte(out), &res); err != nil {
			t.Fatalf("lookup --scope %s: %v\n%s", scope, err, out)
		}
		if res.Scope != scope || len(res.Identifiers) != 2 {
			t.Fatalf("lookup --scope %s: %s; want the profile of the device in %s with its user", scope, out, scope)
		}
		uid[scope] = res.UniversalID
	}
	if uid["app1"] == uid["app2"] {
		t.Fatalf("device d1 of app1 and of app2 are one profile %s; a local type is one identifier per scope", uid["app1"])
	}
	if code, _, errs := do(t, "lookup", "-c", project, "device_id=d1"); code == 0 || !strings.Contains(errs, "give the scope") {
		t.Fatalf("lookup of d1 without a scope: exit %d, stderr %q; want a request for the scope", code, errs)
	}
	if code, _, errs := do(t, "lookup", "-c", project, "--scope", "app9", "device_id=d1"); code == 0 || !strings.Contains(errs, `"app9" is not a scope`) {
		t.Fatalf("lookup --scope app9: exit %d, stderr %q", code, errs)
	}
}
