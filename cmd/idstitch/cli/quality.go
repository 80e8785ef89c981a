package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/idstitch/idstitch/connectors/duckdb"
	"github.com/idstitch/idstitch/engine/config"
	"github.com/idstitch/idstitch/engine/plan"
	"github.com/idstitch/idstitch/internal/demogen"
)

// quality is how a stitching of the noisy data compares with the stitching of the same people
// without noise, counted over pairs of the clean data's identifiers.
type quality struct {
	Persons              int
	Mode                 string
	Precision, Recall    float64
	OverMerged, Split    int64
	Profiles, Largest    int64
	Quarantined, Seconds float64
}

// runQuality generates each size twice from one seed, with and without noise; stitches the clean
// data raw (the ideal) and the noisy data raw and with the recommended guards; and compares.
func runQuality(ctx context.Context, e *env, dir string, sizes []int) ([]quality, error) {
	var out []quality
	for _, n := range sizes {
		clean, err := qualityData(ctx, e, dir, n, true)
		if err != nil {
			return nil, err
		}
		noisy, err := qualityData(ctx, e, dir, n, false)
		if err != nil {
			return nil, err
		}
		if _, err := qualityRun(ctx, e, clean, "identity", false); err != nil {
			return nil, err
		}
		for _, mode := range []string{"raw components", "recommended guards"} {
			guards := mode != "raw components"
			schema := "identity_raw"
			if guards {
				schema = "identity"
			}
			q, err := qualityRun(ctx, e, noisy, schema, guards)
			if err != nil {
				return nil, err
			}
			if err := compare(ctx, noisy, clean, schema, &q); err != nil {
				return nil, err
			}
			q.Persons, q.Mode = n, mode
			out = append(out, q)
			fmt.Fprintf(e.stdout, "%s persons, %-18s precision %.4f  recall %.4f  over-merged %s  split %s  largest %s\n",
				thousands(int64(n)), mode, q.Precision, q.Recall, thousands(q.OverMerged), thousands(q.Split), thousands(q.Largest))
		}
	}
	return out, nil
}

func qualityData(ctx context.Context, e *env, dir string, persons int, clean bool) (string, error) {
	name := fmt.Sprintf("quality-%d-noisy", persons)
	if clean {
		name = fmt.Sprintf("quality-%d-clean", persons)
	}
	conn, db, err := freshDuckDB(ctx, dir, name, "demo.duckdb")
	if err != nil {
		return "", err
	}
	_, err = demogen.Generate(ctx, conn, demogen.Options{Persons: persons, Seed: 1, Clean: clean})
	conn.Close()
	return db, err
}

// qualityRun stitches one database into one output schema, raw or with the recommended guards.
func qualityRun(ctx context.Context, e *env, db, schema string, guards bool) (quality, error) {
	text := demogen.Project(demogen.ProjectOptions{Name: "quality", Warehouse: "duckdb", Path: filepath.Base(db), Guards: guards})
	text = strings.Replace(text, "  schema: identity\n", "  schema: "+schema+"\n", 1)
	project := filepath.Join(filepath.Dir(db), schema+".yaml")
	if err := os.WriteFile(project, []byte(text), 0o644); err != nil {
		return quality{}, err
	}
	p, err := config.Load(project)
	if err != nil {
		return quality{}, err
	}
	began := time.Now()
	sum, err := stitch(ctx, e, p, runOptions{algorithm: plan.Contraction, quiet: true, full: true})
	if err != nil {
		return quality{}, err
	}
	var quarantined int64
	for _, n := range sum.Result.Quarantined {
		quarantined += n
	}
	return quality{Profiles: sum.Result.Components, Largest: sum.Result.Largest, Quarantined: float64(quarantined), Seconds: time.Since(began).Seconds()}, nil
}

// compare counts, over the identifiers of the clean data, the pairs that share a profile in the
// clean stitching (truth) and in the noisy one. An identifier of the clean data that the noisy run
// quarantined counts as a profile of its own there, so quarantining real identifiers costs recall.
func compare(ctx context.Context, noisyDB, cleanDB, schema string, q *quality) error {
	conn, err := duckdb.Open(ctx, noisyDB, true)
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := conn.Exec(ctx, "ATTACH "+conn.Dialect().String(cleanDB)+" AS clean (READ_ONLY)"); err != nil {
		return err
	}
	query := fmt.Sprintf(`WITH truth AS (SELECT id_type, id_value, universal_id AS t FROM clean.identity.id_graph),
found AS (SELECT id_type, id_value, universal_id AS f FROM %q.id_graph),
cells AS (
  SELECT t, COALESCE(f, 'missing|' || truth.id_type || '|' || truth.id_value) AS f, COUNT(*) AS n
  FROM truth LEFT JOIN found USING (id_type, id_value)
  GROUP BY ALL
),
by_found AS (SELECT f, SUM(n) AS n, COUNT(*) AS truths FROM cells GROUP BY f),
by_truth AS (SELECT t, SUM(n) AS n, COUNT(*) AS founds FROM cells GROUP BY t)
SELECT
  (SELECT SUM(n * (n - 1)) FROM cells)::DOUBLE,
  (SELECT SUM(n * (n - 1)) FROM by_found)::DOUBLE,
  (SELECT SUM(n * (n - 1)) FROM by_truth)::DOUBLE,
  (SELECT COUNT(*) FROM by_found WHERE truths > 1),
  (SELECT COUNT(*) FROM by_truth WHERE founds > 1)`, schema)
	var both, found, truth float64
	if err := conn.DB().QueryRowContext(ctx, query).Scan(&both, &found, &truth, &q.OverMerged, &q.Split); err != nil {
		return err
	}
	q.Precision, q.Recall = 1, 1
	if found > 0 {
		q.Precision = both / found
	}
	if truth > 0 {
		q.Recall = both / truth
	}
	return nil
}

func qualityMarkdown(qs []quality) string {
	var b strings.Builder
	b.WriteString("| persons | noisy data stitched by | pairwise precision | pairwise recall | profiles over-merged | customers split | profiles | largest profile | quarantined | seconds |\n|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, q := range qs {
		fmt.Fprintf(&b, "| %s | %s | %.4f | %.4f | %s | %s | %s | %s | %s | %.1f |\n", thousands(int64(q.Persons)), q.Mode, q.Precision, q.Recall,
			thousands(q.OverMerged), thousands(q.Split), thousands(q.Profiles), thousands(q.Largest), thousands(int64(q.Quarantined)), q.Seconds)
	}
	return b.String()
}
