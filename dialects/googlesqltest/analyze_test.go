package googlesqltest

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/idstitch/idstitch/dialects"
	"github.com/idstitch/idstitch/engine/config"
	"github.com/idstitch/idstitch/engine/plan"
	"github.com/idstitch/idstitch/engine/render"
	idsql "github.com/idstitch/idstitch/sql"
)

const (
	casesDir = "../../engine/plan/testdata/cases"
	// sourcesFile, in each case's folder, declares the case's source tables with BigQuery types.
	sourcesFile = "bigquery.sources.yaml"
	// rounds is how many rounds of each loop the runs below take.
	rounds = 2
)

// TestBigQueryPlansAnalyse runs every golden project's plans through GoogleSQL's analyzer, which
// resolves every name and types every expression, the way BigQuery compiles a query. Statements
// run in the order the runner sends them, against a catalog that each statement changes as it
// would change the warehouse: the sources the case declares, then what setup creates, then each
// table a stage makes or drops. Each algorithm makes a full run; two incremental runs (one with
// watermarks, one with every guard rule changed) each start from the tables the full run left.
func TestBigQueryPlansAnalyse(t *testing.T) {
	dirs := caseDirs(t)
	total := 0
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			p, err := config.Load(filepath.Join(dir, "idstitch.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			sources := loadSources(t, dir, p)
			controls := loadControls(t, dir)
			for _, algorithm := range []plan.Algorithm{plan.Contraction, plan.LabelPropagation} {
				t.Run(string(algorithm), func(t *testing.T) {
					total += analyseRuns(t, p, sources, algorithm, controls)
				})
			}
		})
	}
	// Every case plans a few hundred statements; far fewer means statements went missing.
	if total < 100*len(dirs) {
		t.Fatalf("only %d statements analysed for %d cases", total, len(dirs))
	}
	t.Logf("%d BigQuery statements analysed", total)
}

// caseDirs lists the golden cases' folders.
func caseDirs(t *testing.T) []string {
	t.Helper()
	dirs, err := filepath.Glob(filepath.Join(casesDir, "*"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no golden cases: %v", err)
	}
	return dirs
}

// loadControls reads which control tables a case's plans read (case.yaml's controls).
func loadControls(t *testing.T, dir string) plan.Controls {
	t.Helper()
	var c struct {
		Controls plan.Controls `yaml:"controls"`
	}
	text, err := os.ReadFile(filepath.Join(dir, "case.yaml"))
	if os.IsNotExist(err) {
		return plan.Controls{}
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(text, &c); err != nil {
		t.Fatalf("%s/case.yaml: %v", dir, err)
	}
	return c.Controls
}

// loadSources reads a case's declaration of its source tables, which must name exactly the tables
// its project reads.
func loadSources(t *testing.T, dir string, p *config.Project) map[string]map[string]string {
	t.Helper()
	text, err := os.ReadFile(filepath.Join(dir, sourcesFile))
	if err != nil {
		t.Fatalf("%v: every case declares the BigQuery types of its source tables' columns there", err)
	}
	var sources map[string]map[string]string
	dec := yaml.NewDecoder(bytes.NewReader(text))
	dec.KnownFields(true)
	if err := dec.Decode(&sources); err != nil {
		t.Fatalf("%s/%s: %v", dir, sourcesFile, err)
	}
	read := map[string]bool{}
	for _, s := range p.Sources {
		if s.Landing {
			continue // idstitch's own table of identify calls: setup makes it
		}
		read[s.Table] = true
		if len(sources[s.Table]) == 0 {
			t.Fatalf("%s/%s does not declare the columns of %s, which source %s reads", dir, sourcesFile, s.Table, s.Name)
		}
	}
	for name := range sources {
		if !read[name] {
			t.Fatalf("%s/%s declares %s, which no source reads", dir, sourcesFile, name)
		}
	}
	return sources
}

// analyseRuns makes the runs of one project with one algorithm and returns the number of
// statements analysed.
func analyseRuns(t *testing.T, p *config.Project, sources map[string]map[string]string, algorithm plan.Algorithm, controls plan.Controls) int {
	pl, err := plan.New(p, dialects.BigQuery{}, algorithm)
	if err != nil {
		t.Fatal(err)
	}
	pl.LookupIndexes = true
	w := newWarehouse(t, sources)
	r := &run{t: t, w: w, pl: pl}

	full, err := pl.PlanWith(7, nil, controls)
	if err != nil {
		t.Fatal(err)
	}
	r.label = "full run"
	r.checks()
	r.run(full, false)
	r.lookups()
	if r.stopped {
		// The incremental runs read what the full run leaves; without it they would fail on
		// every table it did not make.
		return r.n
	}
	left := w.snapshot()

	marks := map[string]time.Time{}
	for _, s := range p.Sources {
		marks[s.Name] = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	}
	for _, c := range []struct {
		label string
		prior plan.Prior
	}{
		{"incremental run", plan.Prior{Watermarks: marks}},
		{"incremental run with every guard rule changed", plan.Prior{Watermarks: marks, Rules: plan.Rules{Checks: true, Degrees: true, OldLimits: map[string]int{"email": 9}}}},
	} {
		inc, err := pl.PlanWith(8, &c.prior, controls)
		if err != nil {
			t.Fatal(err)
		}
		w.restore(left)
		r.label, r.stopped = c.label, false
		r.run(inc, true)
		if inc.Append != nil {
			// The same batch taking the append-only path: the runner runs this plan up to its extract,
			// counts the probe, and goes on with the append-only plan.
			w.restore(left)
			r.label, r.stopped = c.label+", append-only path", false
			r.run(inc.AppendPath(), true)
		}
	}
	return r.n
}

// run sends statements to the warehouse in the runner's order and reports the first that GoogleSQL
// rejects; the statements after it would only fail on the tables it did not make.
type run struct {
	t       *testing.T
	w       *warehouse
	pl      *plan.Planner
	label   string
	n       int
	stopped bool
}

// exec analyses one statement; params declares its query parameters with their BigQuery types.
func (r *run) exec(what, sql string, params map[string]string) {
	r.t.Helper()
	if r.stopped {
		return
	}
	r.n++
	if err := r.w.analyze(sql, params); err != nil {
		r.t.Errorf("%s, %s: GoogleSQL rejects\n%s\n%v", r.label, what, sql, err)
		r.stopped = true
	}
}

func (r *run) all(what string, stmts []plan.Statement) {
	r.t.Helper()
	for _, s := range stmts {
		r.exec(what, s.SQL, nil)
	}
}

// horizon is the latest time a row may be dated and count toward a watermark, in the runs below.
var horizon = time.Date(2026, 5, 2, 12, 0, 0, 0, time.UTC)

// run makes one run of a plan as the runner does: setup, reading the stored state, then the
// stages with their loops, the measures after the outputs, and the publish with the run's record.
// Before publishing it also takes, on a copy of the catalog, the two other ways a run ends: a
// failure and a dry run.
func (r *run) run(p *plan.Plan, incremental bool) {
	r.t.Helper()
	pl, d := r.pl, r.pl.Dialect
	r.all("setup", pl.Setup().Statements)
	// What the ownership check reads (here after setup, when the datasets exist; before the
	// first setup BigQuery answers "Not found", which the check reads as empty), then the
	// registry's new rows and the journal of a publish left unfinished.
	reg := pl.Registry()
	for _, schema := range reg.Schemas() {
		q, args := d.TablesQuery(schema)
		r.exec("tables of "+schema, q, params(args))
	}
	r.exec("registry", reg.Read(), nil)
	r.exec("runs of the project", reg.Vouched(), nil)
	r.exec("registry, new rows", reg.Insert(pl.Made()), nil)
	r.exec("pending publish", pl.Journal().Read(), nil)
	if d.Supports(dialects.SingleWriter) {
		r.exec("abandoned runs", pl.RunLog().Abandoned().SQL, nil)
	}
	r.exec("next run id", pl.RunLog().NextID(), nil)
	r.exec("stored state", pl.StateMeta().Query(), nil)
	if incremental {
		for _, s := range pl.Project.Sources {
			if q := pl.StateMeta().WatermarkQuery(s, horizon); q != "" {
				r.exec("watermark of "+s.Name, q, nil)
			}
		}
	}
	r.exec("run start", pl.RunLog().Start(7, p.Mode).SQL, nil)
	result := plan.Result{RowsRead: 3, Rounds: rounds, StageSeconds: `{"extract": 1.5}`, Quarantined: map[string]int64{"invalid": 1},
		RowsBySource: `{"a": 3}`, Watermarks: `{"a": "2026-05-01T12:00:00Z"}`, ComponentsChanged: 2, FutureRows: 1}
	for _, st := range p.Stages {
		if st.Kind == plan.KindSetup {
			continue
		}
		what := "stage " + st.Name
		if st.Kind == plan.KindPublish {
			before := r.w.snapshot()
			r.all("cleanup after a failure", pl.Cleanup())
			r.exec("run failed", pl.RunLog().Failed(7, result, `it's \\ "broken"`).SQL, nil)
			r.w.restore(before)
			r.all("cleanup of a dry run", pl.Cleanup())
			r.exec("dry run done", pl.RunLog().DryRun(7, result).SQL, nil)
			r.w.restore(before)

			q, args := d.ViewsQuery(pl.Project.Output.Schema)
			r.exec("views of the output schema", q, params(args))
			// As engine/runner publishes without transactional DDL: an incremental publish is one
			// DML transaction, the stale views dropped before it; a full one is journaled, its
			// tables replaced one by one, and the rest committed together; the tables it copied
			// from are dropped after.
			r.all("stale views", pl.StaleViews([]string{"gone_stitched"}))
			done := pl.RunLog().Succeeded(7, result).SQL
			if st.Atomic {
				r.exec(what, d.Begin(), nil)
				r.all(what, st.Statements)
				r.exec("run succeeded", done, nil)
				r.exec(what, d.Commit(), nil)
			} else {
				var replace, commit []string
				for _, s := range st.Statements {
					replace = append(replace, s.SQL)
				}
				for _, s := range st.Commit {
					commit = append(commit, s.SQL)
				}
				r.exec(what+", journal", d.Begin(), nil)
				for _, q := range pl.Journal().Write(7, replace, append(commit, done)) {
					r.exec(what+", journal", q, nil)
				}
				r.exec(what+", journal", d.Commit(), nil)
				r.exec(what+", pending publish", pl.Journal().Read(), nil)
				r.all(what, st.Statements)
				r.exec(what, d.Begin(), nil)
				r.all(what, st.Commit)
				r.exec("run succeeded", done, nil)
				r.exec(what, pl.Journal().Clear(), nil)
				r.exec(what, d.Commit(), nil)
			}
			r.all("drop what the publish copied from", pl.Cleanup())
			continue
		}
		if st.Atomic {
			r.exec(what, d.Begin(), nil)
		}
		r.all(what, st.Statements)
		if l := st.Loop; l != nil {
			r.exec(what+", count before the loop", l.Start, nil)
			for i := 1; i <= rounds; i++ {
				r.all(fmt.Sprintf("%s, round %d", what, i), l.Round(i))
				r.exec(fmt.Sprintf("%s, count after round %d", what, i), l.Remaining(i), nil)
			}
			r.all(what+", after the loop", l.Finish(rounds))
		}
		r.all(what, st.After)
		if st.Atomic {
			r.exec(what, d.Commit(), nil)
		}
		if st.Kind == plan.KindExtract && p.AppendProbe != "" {
			r.exec("append-only probe", p.AppendProbe, nil)
		}
		for _, rc := range p.Rechecks {
			if rc.After == st.Kind {
				r.exec("append-only recheck", rc.Query, nil)
			}
		}
		if st.Kind == plan.KindOutputs {
			names := make([]string, 0, len(p.SourceRows))
			for n := range p.SourceRows {
				names = append(names, n)
			}
			sort.Strings(names)
			future := pl.FutureRows(p, horizon)
			for _, n := range names {
				r.exec("rows read from "+n, p.SourceRows[n], nil)
				if q := future[n]; q != "" {
					r.exec("rows of "+n+" dated after the horizon", q, nil)
				}
			}
			r.exec("components changed", p.ComponentsChanged, nil)
			r.exec("changes", pl.RunLog().Changes(), nil)
			r.exec("statistics", p.Stats, nil)
			r.exec("quarantine counts", p.QuarantineCounts, nil)
		}
	}
	if r.w.inTransaction && !r.stopped {
		r.t.Errorf("%s: the run ends inside a transaction", r.label)
	}
}

// checks sends what checking the project file against the warehouse sends: each source's
// columns, then its expressions, filter and extraction on their own.
func (r *run) checks() {
	r.t.Helper()
	pl, d := r.pl, r.pl.Dialect
	for _, s := range pl.Project.Sources {
		if s.Landing {
			continue // the identify landing table is idstitch's own, not checked as a user's source
		}
		// A source written without its dataset has no INFORMATION_SCHEMA to list its columns from
		// (the query would name the empty dataset ``), and BigQuery reads it only in a query job
		// with a default dataset; the catalog reads such names from one, as the plans need.
		if s.Schema() != "" {
			q, args := d.ColumnsQuery(s.Schema(), s.TableName())
			r.exec("columns of "+s.Table, q, params(args))
		}
		for _, m := range s.IDs {
			for _, c := range m.Columns {
				if !config.IsColumn(c) {
					r.exec("expression of "+s.Name, render.SQL(pl.Renderer(), idsql.CheckExpression, idsql.CheckExpressionData{Expr: c, Table: pl.SourceTable(s)}), nil)
				}
			}
		}
		if s.Filter != "" {
			r.exec("filter of "+s.Name, render.SQL(pl.Renderer(), idsql.CheckFilter, idsql.CheckFilterData{Table: pl.SourceTable(s), Filter: s.Filter}), nil)
		}
		r.exec("extraction of "+s.Name, render.SQL(pl.Renderer(), idsql.CheckExtract, idsql.CheckExtractData{Query: pl.ExtractQuery(s)}), nil)
	}
}

// lookups sends the point lookups that read the published tables, each value bound as a STRING.
func (r *run) lookups() {
	r.t.Helper()
	pl := r.pl
	value := map[string]string{"p1": "STRING"}
	rr := pl.Renderer()
	r.exec("lookup by value", render.SQL(rr, idsql.LookupValue, idsql.LookupValueData{}), value)
	r.exec("lookup in quarantine", render.SQL(rr, idsql.LookupQuarantined, idsql.LookupQuarantinedData{}), value)
	r.exec("lookup of a profile", render.SQL(rr, idsql.LookupProfile, idsql.LookupProfileData{}), value)
	r.exec("lookup of identifiers", render.SQL(rr, idsql.LookupIdentifiers, idsql.LookupIdentifiersData{Rows: 101}), value)
	r.exec("lookup of identifiers after a cursor", render.SQL(rr, idsql.LookupIdentifiers, idsql.LookupIdentifiersData{After: true, Rows: 101}),
		map[string]string{"p1": "STRING", "p2": "STRING", "p3": "STRING"})
	r.exec("count of identifiers", render.SQL(rr, idsql.LookupCount, idsql.LookupCountData{}), value)
	r.exec("lookup of links", render.SQL(rr, idsql.LookupLinks, idsql.LookupLinksData{}), value)
	r.exec("overrides naming two identifiers", render.SQL(rr, idsql.LookupOverrides, idsql.LookupOverridesData{}),
		map[string]string{"p1": "STRING", "p2": "STRING", "p3": "STRING", "p4": "STRING", "p5": "STRING", "p6": "STRING"})
	// What the runner asks before planning, of the tables setup made.
	r.exec("the counts of the control tables", pl.ControlsProbe(), nil)
	r.exec("the block and unblock overrides changed", pl.BlocksChanged(), nil)
	r.exec("identifiers of a profile's page", render.SQL(rr, idsql.ExplainNodes, idsql.ExplainNodesData{Rows: 50000}), value)
	r.exec("counts of a profile's page", render.SQL(rr, idsql.ExplainTypes, idsql.ExplainTypesData{}), value)
	r.exec("links of a profile's page", render.SQL(rr, idsql.ExplainEdges, idsql.ExplainEdgesData{Rows: 50000}), value)
	for i, q := range pl.NeighbourQueries(50000) {
		r.exec(fmt.Sprintf("quarantined neighbours of a profile's page, query %d", i+1), q, value)
	}
	for _, it := range pl.Project.IDTypes {
		q, ok := pl.NormalizeQuery(it.Name)
		if !ok {
			r.t.Fatalf("no normalization query for id type %s", it.Name)
		}
		r.exec("normalization of "+it.Name, q, value)
	}
}

// params declares the parameters a dialect binds to a query, @p1 for the first, with the BigQuery
// type of each value.
func params(args []any) map[string]string {
	if len(args) == 0 {
		return nil
	}
	out := map[string]string{}
	for i, a := range args {
		typ := ""
		switch a.(type) {
		case string:
			typ = "STRING"
		case int, int64:
			typ = "INT64"
		case float64:
			typ = "FLOAT64"
		case bool:
			typ = "BOOL"
		case time.Time:
			typ = "TIMESTAMP"
		default:
			panic(fmt.Sprintf("no BigQuery type for a parameter of Go type %T", a))
		}
		name := dialects.BigQuery{}.Placeholder(i + 1)
		out[name[1:]] = typ
	}
	return out
}
