package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/idstitch/idstitch/connectors/duckdb"
	"github.com/idstitch/idstitch/engine/config"
	"github.com/idstitch/idstitch/internal/demogen"
)

// incResult is one incremental measurement.
type incResult struct {
	persons            int
	full, incremental  measurement
	appended           int64
	written, different int64
}

// runIncrementalBench times, per size, a full run of the demo with the recommended guards, then
// an incremental run after appending fraction new rows, each in its own process; then it rebuilds
// the same data in full into a second schema and counts the identifiers whose universal id
// differs (it must be 0).
func runIncrementalBench(ctx context.Context, e *env, dir string, sizes []int, fraction float64, out string) error {
	var results []incResult
	for _, n := range sizes {
		conn, db, err := freshDuckDB(ctx, dir, fmt.Sprintf("incremental-%d", n), "demo.duckdb")
		if err != nil {
			return err
		}
		sub := filepath.Dir(db)
		o := demogen.Options{Persons: n, Seed: 1}
		if _, err := demogen.Generate(ctx, conn, o); err != nil {
			conn.Close()
			return err
		}
		conn.Close()
		project := filepath.Join(sub, config.DefaultFile)
		yaml := demogen.Project(demogen.ProjectOptions{Name: "demo", Warehouse: "duckdb", Path: "demo.duckdb", Guards: true})
		check := filepath.Join(sub, "check.yaml")
		if err := os.WriteFile(project, []byte(yaml), 0o644); err != nil {
			return err
		}
		if err := os.WriteFile(check, []byte(strings.Replace(yaml, "schema: identity", "schema: identity_check", 1)), 0o644); err != nil {
			return err
		}
		r := incResult{persons: n}
		if r.full, err = measure(ctx, project, "contraction", 0); err != nil {
			return fmt.Errorf("bench --incremental, full run: %w", err)
		}
		fmt.Fprintf(e.stdout, "%s persons: full run %.2f s\n", thousands(int64(n)), r.full.Seconds)
		c, err := duckdb.Open(ctx, db, false)
		if err != nil {
			return err
		}
		st, err := demogen.Append(ctx, c, o, fraction)
		c.Close()
		if err != nil {
			return err
		}
		r.appended = st.Events + st.Orders + st.Contacts
		if _, err := child(ctx, &r.incremental, "run", "-c", project, "--quiet"); err != nil {
			return fmt.Errorf("bench --incremental, incremental run: %w", err)
		}
		if _, err := child(ctx, &measurement{}, "run", "-c", check, "--quiet", "--full"); err != nil {
			return fmt.Errorf("bench --incremental, full rebuild to check against: %w", err)
		}
		c, err = duckdb.Open(ctx, db, false)
		if err != nil {
			return err
		}
		err = c.DB().QueryRowContext(ctx, `SELECT
			(SELECT components_changed FROM identity.runs WHERE mode = 'incremental' ORDER BY run_id DESC LIMIT 1),
			(SELECT COUNT(*) FROM identity.id_graph a FULL OUTER JOIN identity_check.id_graph b ON a.node_id = b.node_id
			 WHERE a.universal_id IS DISTINCT FROM b.universal_id)`).Scan(&r.written, &r.different)
		c.Close()
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%s persons: +%s rows, incremental run %.2f s (%.1f%% of the full run), %s profiles written, %d identifiers differ from a full rebuild\n",
			thousands(int64(n)), thousands(r.appended), r.incremental.Seconds, 100*r.incremental.Seconds/r.full.Seconds, thousands(r.written), r.different)
		results = append(results, r)
	}
	var b strings.Builder
	b.WriteString("| persons | full run s | rows added | incremental run s | incremental / full | profiles written | peak MiB (inc) | ids differing from a full rebuild |\n|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range results {
		fmt.Fprintf(&b, "| %s | %.2f | %s | %.2f | %.1f%% | %s | %.0f | %d |\n", thousands(int64(r.persons)), r.full.Seconds, thousands(r.appended),
			r.incremental.Seconds, 100*r.incremental.Seconds/r.full.Seconds, thousands(r.written), r.incremental.PeakMiB, r.different)
	}
	return printTable(e, out, b.String())
}
