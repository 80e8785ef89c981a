package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/idstitch/idstitch/connectors/duckdb"
	"github.com/idstitch/idstitch/internal/demogen"
)

// TestValidateRehearsesTheRun: what only running the plan would show — a sum of text, an
// audience on a column profiles do not have, a timestamp column holding text — is found by
// validate and before a run creates anything, naming the stage and what to check; a trait's
// expression that does not run is named as the trait's, not blamed on the normalizers.
func TestValidateRehearsesTheRun(t *testing.T) {
	for _, c := range []struct {
		name, from, to, want string
	}{
		{"sum of text", "    agg: sum\n    expr: revenue", "    agg: sum\n    expr: email", "stage traits"},
		{"audience on a missing column", `where: "cart_abandons_90d >= 2"`, `where: "cart_abandons_9d >= 2"`, "check the audiences"},
		{"timestamp that is text", "    table: main.orders\n    timestamp: ts", "    table: main.orders\n    timestamp: email", "timestamp"},
		{"trait expression", "    agg: sum\n    expr: revenue", "    agg: sum\n    expr: revenu * 2", "traits[0].expr"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			ctx := context.Background()
			conn, err := duckdb.Open(ctx, filepath.Join(dir, "demo.duckdb"), false)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := demogen.Generate(ctx, conn, demogen.Options{Persons: 30, Seed: 2}); err != nil {
				t.Fatal(err)
			}
			conn.Close()
			text := demogen.Project(demogen.ProjectOptions{Name: "demo", Warehouse: "duckdb", Path: "demo.duckdb", Traits: true})
			if !strings.Contains(text, c.from) {
				t.Fatalf("the demo project has no %q", c.from)
			}
			project := filepath.Join(dir, "idstitch.yaml")
			os.WriteFile(project, []byte(strings.Replace(text, c.from, c.to, 1)), 0o644)
			for _, verb := range []string{"validate", "run"} {
				code, _, errs := do(t, verb, "-c", project, "--quiet")
				if verb == "validate" {
					code, _, errs = do(t, verb, "-c", project)
				}
				if code == 0 || !strings.Contains(errs, c.want) || strings.Contains(errs, "normalize entries") {
					t.Fatalf("%s: exit %d, stderr %q", verb, code, errs)
				}
			}
			if n := inspect(t, dir, "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema LIKE 'identity%' OR table_schema LIKE 'idstitch%'"); n != 0 {
				t.Fatalf("a refused project left %d tables", n)
			}
		})
	}
}
