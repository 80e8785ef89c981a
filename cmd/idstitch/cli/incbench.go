package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/idstitch/idstitch/connectors/duckdb"
	"github.com/idstitch/idstitch/internal/demogen"
)

// incResult is one incremental measurement.
type incResult struct {
	persons            int
	guards             bool
	full, incremental  measurement
	batch              int64
	written, different int64
}

// demoSources are the demo's tables with the column that dates their rows.
var demoSources = []struct{ table, ts string }{{"events", "ts"}, {"orders", "ts"}, {"crm_contacts", "updated_at"}}

// runIncrementalBench measures, per size, the batch that most runs see: the latest fraction of
// the rows by time. It generates the demo, holds those rows back, and runs the rest in full twice,
// without guards and with the recommended ones (each in a schema of its own); then it puts the
// rows back and runs both projects again, now incrementally, each run in its own process. Last, it
// rebuilds both in full into other schemas and counts the identifiers whose universal id differs
// from the incremental result (it must be 0).
func runIncrementalBench(ctx context.Context, e *env, dir string, sizes []int, fraction float64, res demogen.ProjectOptions, out string) error {
	var results []incResult
	for _, n := range sizes {
		conn, db, err := freshDuckDB(ctx, dir, fmt.Sprintf("incremental-%d", n), "demo.duckdb")
		if err != nil {
			return err
		}
		if _, err := demogen.Generate(ctx, conn, demogen.Options{Persons: n, Seed: 1}); err != nil {
			conn.Close()
			return err
		}
		held, err := holdBack(ctx, conn, fraction)
		conn.Close()
		if err != nil {
			return err
		}
		sub := filepath.Dir(db)
		rs := []incResult{{persons: n, batch: held}, {persons: n, guards: true, batch: held}}
		projects := make([]string, len(rs))
		for i := range rs {
			if projects[i], err = incProjects(sub, rs[i].guards, res); err != nil {
				return err
			}
			if rs[i].full, err = measure(ctx, projects[i], "contraction", 0); err != nil {
				return fmt.Errorf("bench --incremental, full run: %w", err)
			}
			fmt.Fprintf(e.stdout, "%s persons, %s: full run %.2f s\n", thousands(int64(n)), guardsName(rs[i].guards), rs[i].full.Seconds)
		}
		if err := putBack(ctx, db); err != nil {
			return err
		}
		for i := range rs {
			r := &rs[i]
			if _, err := child(ctx, &r.incremental, "run", "-c", projects[i], "--quiet"); err != nil {
				return fmt.Errorf("bench --incremental, incremental run: %w", err)
			}
			check := strings.TrimSuffix(projects[i], ".yaml") + "_check.yaml"
			if _, err := child(ctx, &measurement{}, "run", "-c", check, "--quiet", "--full"); err != nil {
				return fmt.Errorf("bench --incremental, full rebuild to check against: %w", err)
			}
			if err := compareRebuild(ctx, db, schemaOf(r.guards), r); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "%s persons, %s: the latest %s rows, incremental run %.2f s (%.1f%% of the full run), %s profiles written, %d identifiers differ from a full rebuild\n",
				thousands(int64(n)), guardsName(r.guards), thousands(r.batch), r.incremental.Seconds, 100*r.incremental.Seconds/r.full.Seconds, thousands(r.written), r.different)
		}
		results = append(results, rs...)
	}
	var b strings.Builder
	b.WriteString("| persons | guards | full run s | rows in the batch | incremental run s | incremental / full | profiles written | peak MiB (inc) | ids differing from a full rebuild |\n|---:|---|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range results {
		fmt.Fprintf(&b, "| %s | %s | %.2f | %s | %.2f | %.1f%% | %s | %.0f | %d |\n", thousands(int64(r.persons)), guardsName(r.guards), r.full.Seconds, thousands(r.batch),
			r.incremental.Seconds, 100*r.incremental.Seconds/r.full.Seconds, thousands(r.written), r.incremental.PeakMiB, r.different)
	}
	return printTable(e, out, b.String())
}

func guardsName(on bool) string {
	if on {
		return "recommended"
	}
	return "none"
}

func schemaOf(guards bool) string {
	if guards {
		return "identity_guarded"
	}
	return "identity_plain"
}

// incProjects writes the project measured and the one that rebuilds the same data in full to
// check it, and returns the first.
func incProjects(dir string, guards bool, res demogen.ProjectOptions) (string, error) {
	yaml := demogen.Project(demogen.ProjectOptions{Name: "demo", Warehouse: "duckdb", Path: "demo.duckdb", Guards: guards, MemoryLimit: res.MemoryLimit, Threads: res.Threads})
	schema := schemaOf(guards)
	project := filepath.Join(dir, schema+".yaml")
	if err := os.WriteFile(project, []byte(strings.Replace(yaml, "schema: identity", "schema: "+schema, 1)), 0o644); err != nil {
		return "", err
	}
	check := filepath.Join(dir, schema+"_check.yaml")
	return project, os.WriteFile(check, []byte(strings.Replace(yaml, "schema: identity", "schema: "+schema+"_check", 1)), 0o644)
}

// holdBack moves the latest fraction of the demo's rows, by time over all its sources, into the
// schema bench_held, and returns how many rows it moved.
func holdBack(ctx context.Context, conn *duckdb.Conn, fraction float64) (int64, error) {
	var parts []string
	for _, s := range demoSources {
		parts = append(parts, fmt.Sprintf("SELECT %s AS ts FROM main.%s", s.ts, s.table))
	}
	stmts := []string{
		"CREATE SCHEMA IF NOT EXISTS bench_held",
		fmt.Sprintf("CREATE OR REPLACE TABLE bench_held.cut AS SELECT quantile_disc(ts, %g) AS ts FROM (%s) t", 1-fraction, strings.Join(parts, " UNION ALL ")),
	}
	for _, s := range demoSources {
		stmts = append(stmts,
			fmt.Sprintf("CREATE OR REPLACE TABLE bench_held.%s AS SELECT * FROM main.%s WHERE %s > (SELECT ts FROM bench_held.cut)", s.table, s.table, s.ts),
			fmt.Sprintf("DELETE FROM main.%s WHERE %s > (SELECT ts FROM bench_held.cut)", s.table, s.ts))
	}
	if err := conn.ExecTx(ctx, stmts); err != nil {
		return 0, err
	}
	var n int64
	err := conn.DB().QueryRowContext(ctx, "SELECT (SELECT COUNT(*) FROM bench_held.events) + (SELECT COUNT(*) FROM bench_held.orders) + (SELECT COUNT(*) FROM bench_held.crm_contacts)").Scan(&n)
	return n, err
}

// putBack returns the rows holdBack moved.
func putBack(ctx context.Context, db string) error {
	conn, err := duckdb.Open(ctx, db, false)
	if err != nil {
		return err
	}
	defer conn.Close()
	var stmts []string
	for _, s := range demoSources {
		stmts = append(stmts, fmt.Sprintf("INSERT INTO main.%s SELECT * FROM bench_held.%s", s.table, s.table))
	}
	return conn.ExecTx(ctx, append(stmts, "DROP SCHEMA bench_held CASCADE"))
}

// compareRebuild reads what the incremental run wrote and how many identifiers' ids differ from
// the full rebuild in schema_check.
func compareRebuild(ctx context.Context, db, schema string, r *incResult) error {
	conn, err := duckdb.Open(ctx, db, false)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.DB().QueryRowContext(ctx, fmt.Sprintf(`SELECT
		(SELECT components_changed FROM %[1]s.runs WHERE mode = 'incremental' ORDER BY run_id DESC LIMIT 1),
		(SELECT COUNT(*) FROM %[1]s.id_graph a FULL OUTER JOIN %[1]s_check.id_graph b ON a.node_id = b.node_id
		 WHERE a.universal_id IS DISTINCT FROM b.universal_id)`, schema)).Scan(&r.written, &r.different)
}
