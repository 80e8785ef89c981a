package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/connectors/connectortest"
	"github.com/idstitch/idstitch/dialects"
)

// A warehouse type that only this registration names, speaking DuckDB's SQL.
func init() {
	connectors.Register("fakewarehouse", connectortest.Driver{SQL: dialects.DuckDB{}})
}

// TestCompileFindsTheDialectThroughTheDriver: compile plans for the dialect the registered driver
// names; --dialect still overrides it.
func TestCompileFindsTheDialectThroughTheDriver(t *testing.T) {
	project := filepath.Join(t.TempDir(), "idstitch.yaml")
	text := `project: acme
warehouse:
  type: fakewarehouse
  location: somewhere
id_types:
  - name: user_id
  - name: email
sources:
  - name: events
    table: main.events
    ids:
      user_id: user_id
      email: email
`
	if err := os.WriteFile(project, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	code, duck, stderr := do(t, "compile", "-c", project)
	if code != 0 {
		t.Fatalf("compile: exit %d: %s", code, stderr)
	}
	code, pg, stderr := do(t, "compile", "-c", project, "--dialect", "postgres")
	if code != 0 {
		t.Fatalf("compile --dialect postgres: exit %d: %s", code, stderr)
	}
	if !strings.Contains(duck, "CREATE") || duck == pg {
		t.Error("compile for the fake's DuckDB dialect and for --dialect postgres printed the same script")
	}
	code, want, _ := do(t, "compile", "-c", project, "--dialect", "duckdb")
	if code != 0 || want != duck {
		t.Error("compile with the fake's dialect differs from compile --dialect duckdb")
	}
}
