package googlesqltest

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/idstitch/idstitch/dialects"
	"github.com/idstitch/idstitch/engine/config"
	"github.com/idstitch/idstitch/engine/plan"
	"github.com/idstitch/idstitch/engine/render"
	idsql "github.com/idstitch/idstitch/sql"
)

// TestServeStatementsAnalyse runs what `idstitch serve` sends besides a run's plan through the
// analyzer, in its order, for every golden project: claiming the output schema, the run lease
// (its table, the seed, a take and its read-back), the full run, then the renewal, the in-memory
// copy of the published tables, the runs the API lists and the release; then a second server
// starting on what the first left (the table and the row exist: both must still analyse).
func TestServeStatementsAnalyse(t *testing.T) {
	dirs := caseDirs(t)
	total := 0
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			p, err := config.Load(filepath.Join(dir, "idstitch.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			pl, err := plan.New(p, dialects.BigQuery{}, plan.Contraction)
			if err != nil {
				t.Fatal(err)
			}
			pl.LookupIndexes = true
			r := &run{t: t, w: newWarehouse(t, loadSources(t, dir, p)), pl: pl, label: "serve"}
			now := time.Date(2026, 5, 2, 12, 0, 0, 123456000, time.UTC)
			first := pl.Lease("host-a:1:aa")
			r.serveStart(first, now)
			r.identifyFlush()
			full, err := pl.Plan(7)
			if err != nil {
				t.Fatal(err)
			}
			r.checks()
			r.run(full, false)
			r.exec("lease renewal", first.Take(now.Add(80*time.Second), now.Add(20*time.Second)), nil)
			r.exec("lease renewal, read back", first.Held(now.Add(80*time.Second)), nil)
			r.memory()
			r.realtime()
			r.controls()
			r.exec("release", first.Release, nil)
			r.label = "second server"
			r.serveStart(pl.Lease("host-b:2:bb"), now.Add(time.Hour))
			total += r.n
		})
	}
	t.Logf("%d statements of serve analysed", total)
}

// serveStart sends what a server sends before a run: the claim of the output schema (the
// registry of the tables idstitch makes, which lists run_lease), the lease table and the
// project's row, a take and its read-back.
func (r *run) serveStart(l plan.Lease, now time.Time) {
	r.t.Helper()
	pl := r.pl
	reg := pl.Registry()
	r.exec("claim: output schema", pl.Dialect.CreateSchema(reg.OutputSchema()), nil)
	r.exec("claim: registry", reg.Create().SQL, nil)
	r.exec("claim: registry, new rows", reg.Insert(pl.Made()), nil)
	r.exec("lease: output schema", pl.Dialect.CreateSchema(pl.Project.Output.Schema), nil)
	r.exec("lease table", l.Create, nil)
	r.exec("lease seed", l.Seed, nil)
	r.exec("lease take", l.Take(now.Add(time.Minute), now), nil)
	r.exec("lease take, read back", l.Held(now.Add(time.Minute)), nil)
}

// memory sends what the in-memory copy of the published tables reads, and the runs the API
// lists.
func (r *run) memory() {
	r.t.Helper()
	rr := r.pl.Renderer()
	r.exec("last published run", render.SQL(rr, idsql.LastRun, idsql.LastRunData{}), nil)
	r.exec("memory copy: profiles", render.SQL(rr, idsql.MemoryProfiles, idsql.MemoryProfilesData{}), nil)
	r.exec("memory copy: identifiers", render.SQL(rr, idsql.MemoryIdentifiers, idsql.MemoryIdentifiersData{}), nil)
	r.exec("memory copy: quarantine", render.SQL(rr, idsql.MemoryQuarantine, idsql.MemoryQuarantineData{}), nil)
	r.exec("runs the API lists", render.SQL(rr, idsql.APIRuns, idsql.APIRunsData{}), nil)
}

// controls sends what the API and the override and forget commands write and read, each value a
// STRING parameter.
func (r *run) controls() {
	r.t.Helper()
	rr := r.pl.Renderer()
	strs := func(n int) map[string]string {
		m := map[string]string{}
		for i := 1; i <= n; i++ {
			m[fmt.Sprintf("p%d", i)] = "STRING"
		}
		return m
	}
	r.all("control tables", r.pl.ControlTables())
	r.exec("override of two identifiers", render.SQL(rr, idsql.OverrideInsert, idsql.OverrideInsertData{Pair: true}), strs(8))
	r.exec("override of one identifier", render.SQL(rr, idsql.OverrideInsert, idsql.OverrideInsertData{}), strs(6))
	r.exec("overrides", render.SQL(rr, idsql.OverrideRead, idsql.OverrideReadData{}), nil)
	r.exec("override by id", render.SQL(rr, idsql.OverrideRead, idsql.OverrideReadData{One: true}), strs(1))
	r.exec("override removed", render.SQL(rr, idsql.OverrideDelete, idsql.OverrideDeleteData{}), strs(1))
	r.exec("forget requests", render.SQL(rr, idsql.ForgetInsert, idsql.ForgetInsertData{Rows: []idsql.ForgetRow{{ID: 1, Action: 2, Type: 3, Value: 4, By: 5}, {ID: 6, Action: 7, Type: 8, Value: 9, By: 10}}}), strs(10))
	r.exec("forget counts", render.SQL(rr, idsql.ForgetCounts, idsql.ForgetCountsData{}), nil)
}

// TestOldLeaseRejected: the lease as it was written before it ran on BigQuery (an enforced
// primary key, INSERT … ON CONFLICT DO NOTHING, UPDATE … RETURNING) is refused by the analyzer,
// and the plan's lease is accepted in the same catalog; otherwise the analysis above would prove
// nothing about those forms.
func TestOldLeaseRejected(t *testing.T) {
	w := newWarehouse(t, nil)
	if err := w.analyze("CREATE SCHEMA IF NOT EXISTS `identity`", nil); err != nil {
		t.Fatal(err)
	}
	times := map[string]string{"p1": "TIMESTAMP", "p2": "TIMESTAMP"}
	for _, c := range []struct{ old, refused string }{
		{"CREATE TABLE IF NOT EXISTS `identity`.`run_lease` (\n  project STRING PRIMARY KEY,\n  holder STRING,\n  expires_at TIMESTAMP\n)", "NOT ENFORCED"},
		{"INSERT INTO `identity`.`run_lease` (project, holder, expires_at)\nVALUES ('demo', '', TIMESTAMP '1970-01-01 00:00:00')\nON CONFLICT DO NOTHING", "ON CONFLICT"},
		{"UPDATE `identity`.`run_lease`\nSET holder = 'h', expires_at = @p1\nWHERE project = 'demo' AND (holder = 'h' OR expires_at < @p2)\nRETURNING holder", "RETURNING"},
	} {
		err := w.analyze(c.old, times)
		if err == nil || !strings.Contains(err.Error(), c.refused) {
			t.Errorf("GoogleSQL should refuse, naming %s:\n%s\nit says %v", c.refused, c.old, err)
		}
		if strings.HasPrefix(c.old, "CREATE") {
			// The old table with a key NOT ENFORCED, so that the DML after it has a table.
			if err := w.analyze(strings.Replace(c.old, "PRIMARY KEY,", "PRIMARY KEY NOT ENFORCED,", 1), nil); err != nil {
				t.Fatalf("the old table with its key NOT ENFORCED: %v", err)
			}
		}
	}

	p, err := config.Load(casesDir + "/audiences/idstitch.yaml")
	if err != nil {
		t.Fatal(err)
	}
	pl, err := plan.New(p, dialects.BigQuery{}, "")
	if err != nil {
		t.Fatal(err)
	}
	w = newWarehouse(t, nil)
	now := time.Date(2026, 5, 2, 12, 0, 0, 0, time.UTC)
	l := pl.Lease("h")
	for _, q := range []string{pl.Dialect.CreateSchema(p.Output.Schema), l.Create, l.Seed, l.Take(now.Add(time.Minute), now), l.Held(now.Add(time.Minute)), l.Release} {
		if err := w.analyze(q, nil); err != nil {
			t.Errorf("GoogleSQL refuses the plan's lease statement:\n%s\n%v", q, err)
		}
	}
}

// identifyFlush sends what a server with identify calls journaled sends before a run: the landing
// table, the load table beside it (the rows go in by a load job), the append and the drop.
func (r *run) identifyFlush() {
	r.t.Helper()
	pl := r.pl
	if pl.Project.Identify == nil {
		return
	}
	d := pl.Dialect
	r.all("identify: landing table", pl.LandingTables())
	load := d.Table(pl.Project.Output.Schema, plan.LandingLoad(pl.Project.Identify.Table))
	r.exec("identify: load table, dropped", d.DropTable(load), nil)
	for _, q := range pl.LandingCopy(load) {
		r.exec("identify: load table", q, nil)
	}
	r.exec("identify: calls appended", pl.LandingFlush(load), nil)
	r.exec("identify: load table, dropped after", d.DropTable(load), nil)
}

// realtime sends what lookups and identify calls read (the normalization queries, a retried
// call's recorded answer) and what the destinations read and write after a run, each value a
// parameter of the type the server binds.
func (r *run) realtime() {
	r.t.Helper()
	pl := r.pl
	var types []string
	for _, t := range pl.Project.IDTypes {
		q, _ := pl.NormalizeQuery(t.Name)
		r.exec("normalize "+t.Name, q, map[string]string{"p1": "STRING"})
		types = append(types, t.Name)
	}
	if pl.Project.Identify == nil {
		return
	}
	q, _ := pl.NormalizeCallQuery(types)
	ps := map[string]string{}
	for i := range types {
		ps[fmt.Sprintf("p%d", i+1)] = "STRING"
	}
	r.exec("identify: a call's identifiers normalized", q, ps)
	r.exec("identify: a retried call's answer", pl.LandingEvent(), map[string]string{"p1": "STRING"})
	if len(pl.Project.Destinations) == 0 {
		return
	}
	a := pl.Activation()
	r.exec("destinations: dead-letter table", a.Create(), nil)
	r.exec("destinations: a run's id changes", a.Changes(), map[string]string{"p1": "INT64"})
	r.exec("destinations: a run's audience moves", a.AudienceMoves(), map[string]string{"p1": "INT64"})
	r.exec("destinations: dead letter", a.DeadLetter(), map[string]string{"p1": "STRING", "p2": "STRING", "p3": "INT64", "p4": "INT64", "p5": "STRING", "p6": "STRING", "p7": "TIMESTAMP"})
}
