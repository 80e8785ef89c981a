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

// quality is how a stitching of the demo's noisy households compares with the generator's own
// truth, the person of every identifier, counted over pairs of (identifier, person).
type quality struct {
	Persons              int
	Seed                 uint64
	Mode                 string
	Precision, Recall    float64
	RecallAll            float64
	OverMerged, Split    int64
	Profiles, Largest    int64
	Quarantined, Seconds float64
}

// qualitySeeds are the seeds every size is measured at.
var qualitySeeds = []uint64{1, 2}

// qualityPolicies are the anonymous policies compared, each with the recommended guards.
var qualityPolicies = []string{"link", "isolate", "evidence"}

// runQuality generates each size with households at every seed, stitches it with the
// recommended guards under each anonymous policy, and compares each with the generator's truth.
func runQuality(ctx context.Context, e *env, dir string, sizes []int) ([]quality, error) {
	var out []quality
	for _, n := range sizes {
		for _, seed := range qualitySeeds {
			db, err := qualityData(ctx, dir, n, seed)
			if err != nil {
				return nil, err
			}
			if err := qualityTruth(ctx, db); err != nil {
				return nil, err
			}
			for _, policy := range qualityPolicies {
				schema := "identity_" + policy
				q, err := qualityRun(ctx, e, db, schema, policy)
				if err != nil {
					return nil, err
				}
				if err := compare(ctx, db, schema, &q); err != nil {
					return nil, err
				}
				q.Persons, q.Seed, q.Mode = n, seed, policy
				out = append(out, q)
				fmt.Fprintf(e.stdout, "%s persons, seed %d, %-9s precision %.4f  recall %.4f (of all pairs %.4f)  over-merged %s  split %s  largest %s  %.1f s\n",
					thousands(int64(n)), seed, policy, q.Precision, q.Recall, q.RecallAll, thousands(q.OverMerged), thousands(q.Split), thousands(q.Largest), q.Seconds)
			}
		}
	}
	return out, nil
}

func qualityData(ctx context.Context, dir string, persons int, seed uint64) (string, error) {
	conn, db, err := freshDuckDB(ctx, dir, fmt.Sprintf("quality-%d-seed%d", persons, seed), "demo.duckdb")
	if err != nil {
		return "", err
	}
	_, err = demogen.Generate(ctx, conn, demogen.Options{Persons: persons, Seed: seed, Households: true})
	conn.Close()
	return db, err
}

// qualityRun stitches one database into one output schema with the recommended guards and an
// anonymous policy.
func qualityRun(ctx context.Context, e *env, db, schema, policy string) (quality, error) {
	text := demogen.Project(demogen.ProjectOptions{Name: "quality", Warehouse: "duckdb", Path: filepath.Base(db), Guards: true, Anonymous: policy, AppLocal: true})
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

// qualityRows unpivots the generated rows into the generator's truth: one row per
// (row, id_type, value) with the row's person, less the values the noise writes, which are
// nobody's identifiers, and less the logins of other people: a session on a shared device that
// begins while another member is still signed in carries that member's user id, which remains
// theirs (the generator numbers person n's user id u%%08d).
const qualityRows = `CREATE OR REPLACE TABLE truth.row_ids AS
SELECT r, person, id_type, id_value FROM (
  SELECT 'e' || event_id AS r, person, 'anonymous_id' AS id_type, %s AS id_value FROM main.events
  UNION ALL SELECT 'e' || event_id, person, 'device_id', %s FROM main.events
  UNION ALL SELECT 'e' || event_id, person, 'user_id', user_id FROM main.events
  UNION ALL SELECT 'e' || event_id, person, 'email', email FROM main.events
  UNION ALL SELECT 'o' || order_id, person, 'user_id', user_id FROM main.orders
  UNION ALL SELECT 'o' || order_id, person, 'email', email FROM main.orders
  UNION ALL SELECT 'o' || order_id, person, 'email', billing_email FROM main.orders
  UNION ALL SELECT 'o' || order_id, person, 'phone', phone FROM main.orders
  UNION ALL SELECT 'c' || contact_id, person, 'user_id', user_id FROM main.crm_contacts
  UNION ALL SELECT 'c' || contact_id, person, 'email', email FROM main.crm_contacts
  UNION ALL SELECT 'c' || contact_id, person, 'phone', phone FROM main.crm_contacts
) t WHERE id_value IS NOT NULL AND id_value NOT IN (%s)
  AND (id_type <> 'user_id' OR id_value = printf('u%%08d', person))`

// qualityItems are the items pairs are counted over: the identifiers of one person each, with
// the links of that person's own rows between them. An identifier that several people use (a
// shared tablet, a junk value the guards let through) is nobody's alone: it is left out of the
// count, and what it glues together shows in the pairs of the others.
var qualityItems = []string{
	`CREATE OR REPLACE TABLE truth.items AS
SELECT row_number() OVER (ORDER BY person, id_type, id_value) AS item, person, id_type, id_value
FROM (SELECT id_type, id_value, MIN(person) AS person FROM truth.row_ids GROUP BY id_type, id_value HAVING COUNT(DISTINCT person) = 1)`,
	`CREATE OR REPLACE TABLE truth.links AS
WITH ri AS (SELECT r, item FROM truth.row_ids JOIN truth.items USING (person, id_type, id_value)),
first AS (SELECT r, MIN(item) AS a FROM ri GROUP BY r)
SELECT DISTINCT a, item AS b FROM ri JOIN first USING (r) WHERE item <> a`,
	`CREATE OR REPLACE TABLE truth.comp AS SELECT item, item AS comp FROM truth.items`,
}

// qualityRound is a round of label propagation over each person's own links: the items one
// person's rows connect are what any stitching can know to be one person.
const qualityRound = `CREATE OR REPLACE TABLE truth.next AS
SELECT c.item, LEAST(c.comp, COALESCE(MIN(n.comp), c.comp)) AS comp
FROM truth.comp c
LEFT JOIN (SELECT a AS x, b AS y FROM truth.links UNION ALL SELECT b, a FROM truth.links) l ON c.item = l.x
LEFT JOIN truth.comp n ON l.y = n.item
GROUP BY c.item, c.comp`

// qualityTruth builds the truth schema of a generated database once: every item with its person
// and its linkable part, the items that person's own rows connect.
func qualityTruth(ctx context.Context, db string) error {
	conn, err := duckdb.Open(ctx, db, false)
	if err != nil {
		return err
	}
	defer conn.Close()
	var noise []string
	for _, v := range demogen.Noise() {
		noise = append(noise, conn.Dialect().String(v))
	}
	stmts := append([]string{"CREATE SCHEMA IF NOT EXISTS truth", fmt.Sprintf(qualityRows, demogen.AppLocal("anonymous_id"), demogen.AppLocal("device_id"), strings.Join(noise, ", "))}, qualityItems...)
	for _, s := range stmts {
		if err := conn.Exec(ctx, s); err != nil {
			return err
		}
	}
	for {
		if err := conn.Exec(ctx, qualityRound); err != nil {
			return err
		}
		var changed int64
		if err := conn.DB().QueryRowContext(ctx, "SELECT COUNT(*) FROM truth.next n JOIN truth.comp c USING (item) WHERE n.comp <> c.comp").Scan(&changed); err != nil {
			return err
		}
		if err := conn.Exec(ctx, "CREATE OR REPLACE TABLE truth.comp AS SELECT * FROM truth.next"); err != nil {
			return err
		}
		if changed == 0 {
			return nil
		}
	}
}

// compare counts pairs of items. Precision: of the pairs that share a profile, those of one
// person. Recall: of the pairs that one person's own rows connect, those that share a profile;
// RecallAll counts every pair of one person's items, connected or not, which no stitching can
// reach. An item whose identifier the run quarantined counts as a profile of its own, so
// quarantining real identifiers costs recall.
func compare(ctx context.Context, db, schema string, q *quality) error {
	conn, err := duckdb.Open(ctx, db, true)
	if err != nil {
		return err
	}
	defer conn.Close()
	query := fmt.Sprintf(`WITH found AS (
  SELECT i.item, i.person, c.comp, COALESCE(g.universal_id, 'missing|' || i.id_type || '|' || i.id_value) AS f
  FROM truth.items i JOIN truth.comp c USING (item)
  LEFT JOIN %q.id_graph g USING (id_type, id_value)
),
by_person_found AS (SELECT person, f, COUNT(*) AS n FROM found GROUP BY ALL),
by_comp_found AS (SELECT comp, f, COUNT(*) AS n FROM found GROUP BY ALL),
by_found AS (SELECT f, COUNT(*) AS n, COUNT(DISTINCT person) AS persons FROM found GROUP BY f),
by_person AS (SELECT person, COUNT(*) AS n, COUNT(DISTINCT f) AS founds FROM found GROUP BY person),
by_comp AS (SELECT comp, COUNT(*) AS n FROM found GROUP BY comp)
SELECT
  (SELECT SUM(n * (n - 1)) FROM by_person_found)::DOUBLE,
  (SELECT SUM(n * (n - 1)) FROM by_comp_found)::DOUBLE,
  (SELECT SUM(n * (n - 1)) FROM by_found)::DOUBLE,
  (SELECT SUM(n * (n - 1)) FROM by_comp)::DOUBLE,
  (SELECT SUM(n * (n - 1)) FROM by_person)::DOUBLE,
  (SELECT COUNT(*) FROM by_found WHERE persons > 1),
  (SELECT COUNT(*) FROM by_comp_found c JOIN by_comp_found d ON c.comp = d.comp AND c.f < d.f)`, schema)
	var samePerson, sameComp, found, comps, persons float64
	if err := conn.DB().QueryRowContext(ctx, query).Scan(&samePerson, &sameComp, &found, &comps, &persons, &q.OverMerged, &q.Split); err != nil {
		return err
	}
	q.Precision, q.Recall, q.RecallAll = 1, 1, 1
	if found > 0 {
		q.Precision = samePerson / found
	}
	if comps > 0 {
		q.Recall = sameComp / comps
	}
	if persons > 0 {
		q.RecallAll = samePerson / persons
	}
	return nil
}

func qualityMarkdown(qs []quality) string {
	var b strings.Builder
	b.WriteString("| persons | seed | policy.anonymous | pairwise precision | pairwise recall | recall of all pairs | profiles over-merged | linkable parts split | profiles | largest profile | quarantined | seconds |\n|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, q := range qs {
		fmt.Fprintf(&b, "| %s | %d | %s | %.4f | %.4f | %.4f | %s | %s | %s | %s | %s | %.1f |\n", thousands(int64(q.Persons)), q.Seed, q.Mode, q.Precision, q.Recall, q.RecallAll,
			thousands(q.OverMerged), thousands(q.Split), thousands(q.Profiles), thousands(q.Largest), thousands(int64(q.Quarantined)), q.Seconds)
	}
	return b.String()
}
