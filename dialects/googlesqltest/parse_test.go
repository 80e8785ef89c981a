package googlesqltest

import (
	"path/filepath"
	"testing"
	"time"

	googlesql "github.com/goccy/go-googlesql"

	"github.com/idstitch/idstitch/dialects"
	"github.com/idstitch/idstitch/engine/config"
	"github.com/idstitch/idstitch/engine/plan"
)

// TestBigQueryPlansParse compiles every golden project for BigQuery, with every algorithm, and
// parses each statement with GoogleSQL, the parser BigQuery itself uses.
func TestBigQueryPlansParse(t *testing.T) {
	if err := googlesql.Init(); err != nil {
		t.Fatal(err)
	}
	lang, err := googlesql.NewLanguageOptionsMaximumFeatures()
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob("../../engine/plan/testdata/cases/*/idstitch.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no projects to compile: %v", err)
	}
	parsed := 0
	for _, file := range files {
		p, err := config.Load(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, algorithm := range []plan.Algorithm{plan.Contraction, plan.LabelPropagation} {
			pl, err := plan.New(p, dialects.BigQuery{}, algorithm)
			if err != nil {
				t.Fatal(err)
			}
			pl.LookupIndexes = true
			full, err := pl.Plan(7)
			if err != nil {
				t.Fatal(err)
			}
			// Incremental plans too: with watermarks, and with every guard rule changed.
			marks := map[string]time.Time{}
			for _, s := range p.Sources {
				marks[s.Name] = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
			}
			inc, err := pl.PlanIncremental(7, plan.Prior{Watermarks: marks})
			if err != nil {
				t.Fatal(err)
			}
			rules, err := pl.PlanIncremental(7, plan.Prior{Watermarks: marks, Rules: plan.Rules{Checks: true, Degrees: true, OldLimits: map[string]int{"email": 9}}})
			if err != nil {
				t.Fatal(err)
			}
			var stmts []string
			for _, pn := range []*plan.Plan{full, inc, rules} {
				stmts = append(stmts, pn.Statements(2)...)
				stmts = append(stmts, pn.Stats, pn.QuarantineCounts, pn.ComponentsChanged)
			}
			stmts = append(stmts, pl.StateMeta().Query(), pl.RunLog().Changes())
			for _, s := range p.Sources {
				if q := pl.StateMeta().WatermarkQuery(s); q != "" {
					stmts = append(stmts, q)
				}
			}
			for _, stmt := range stmts {
				opts, err := googlesql.NewParserOptions()
				if err != nil {
					t.Fatal(err)
				}
				if err := opts.SetLanguageOptions(lang); err != nil {
					t.Fatal(err)
				}
				if _, err := googlesql.ParseStatement(stmt, opts); err != nil {
					t.Errorf("%s (%s): GoogleSQL does not parse:\n%s\n%v", filepath.Base(filepath.Dir(file)), algorithm, stmt, err)
				}
				parsed++
			}
			// The statements the runner adds around a plan parse too.
			for _, stmt := range []string{pl.RunLog().NextID(), pl.RunLog().Start(7, "full").SQL, pl.RunLog().Succeeded(7, plan.Result{}).SQL, pl.RunLog().DryRun(7, plan.Result{}).SQL, pl.RunLog().Abandoned().SQL, pl.RunLog().Failed(7, plan.Result{}, "it's \\\\ broken").SQL} {
				opts, _ := googlesql.NewParserOptions()
				if _, err := googlesql.ParseStatement(stmt, opts); err != nil {
					t.Errorf("runner statement does not parse:\n%s\n%v", stmt, err)
				}
				parsed++
			}
		}
	}
	if parsed < 100 {
		t.Fatalf("only %d statements parsed", parsed)
	}
	t.Logf("%d BigQuery statements parsed", parsed)
}

// TestParserRejects keeps the test above honest: the parser must refuse what BigQuery refuses,
// such as DuckDB's double-quoted names with a DuckDB-only CREATE form.
func TestParserRejects(t *testing.T) {
	if err := googlesql.Init(); err != nil {
		t.Fatal(err)
	}
	opts, _ := googlesql.NewParserOptions()
	for _, bad := range []string{"SELEC 1", "SELECT a FROM t GROUP BY", `SELECT arg_min(u, h) FROM t; SELECT 2`} {
		if _, err := googlesql.ParseStatement(bad, opts); err == nil {
			t.Errorf("GoogleSQL accepted %q", bad)
		}
	}
	duck, _ := plan.New(mustProject(t), dialects.DuckDB{}, "")
	pn, _ := duck.Plan(1)
	rejected := 0
	for _, stmt := range pn.Statements(1) {
		if _, err := googlesql.ParseStatement(stmt, opts); err != nil {
			rejected++
		}
	}
	if rejected == 0 {
		t.Error("GoogleSQL accepted every statement of a DuckDB plan")
	}
}

func mustProject(t *testing.T) *config.Project {
	p, err := config.Load("../../engine/plan/testdata/cases/all_guards/idstitch.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return p
}
