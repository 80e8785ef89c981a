package lineage

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/google/uuid"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/engine/check"
	"github.com/idstitch/idstitch/engine/plan"
	"github.com/idstitch/idstitch/engine/render"
	"github.com/idstitch/idstitch/engine/runner"
	idsql "github.com/idstitch/idstitch/sql"
)

// Producer names idstitch as the producer of the events and their facets.
const Producer = "https://github.com/idstitch/idstitch"

// Emitter sends the events of one run. It is the run's runner.Observer. What it sends, and every
// try again, shares one budget, the project's lineage.timeout: a receiver that is down or does
// not answer delays the run by that much at most. What goes wrong is a warning of the run.
type Emitter struct {
	planner   *plan.Planner
	conn      connectors.Conn
	transport transport
	// remaining is what is left of the budget; spent is what sending took.
	remaining, spent time.Duration
	// namespace is the dataset namespace of the warehouse's tables.
	namespace string
	// run, job and inputs are what START said, repeated by the event that ends the run.
	run      Run
	job      Job
	inputs   []Dataset
	started  bool
	warnings []string
	// now is the clock of event times.
	now func() time.Time
}

var _ runner.Observer = (*Emitter)(nil)

// New returns the emitter of one run of the planner's project on conn, or nil when the project
// sends no lineage.
func New(pl *plan.Planner, conn connectors.Conn) *Emitter {
	l := pl.Project.Lineage
	if l == nil {
		return nil
	}
	e := &Emitter{planner: pl, conn: conn, remaining: l.TimeoutDuration, now: time.Now}
	t, err := newTransport(l, os.Getenv)
	if err != nil {
		e.warn("%v; no lineage was sent", err)
	}
	e.transport = t
	e.namespace = l.DatasetNamespace
	if e.namespace == "" {
		e.namespace = pl.Project.Warehouse.Type + "://"
		if n, ok := connectors.LineageOf(pl.Project.Warehouse.Settings); ok {
			ns, err := n.LineageNamespace()
			if err != nil {
				e.warn("naming the warehouse's tables: %v", err)
			} else {
				e.namespace = ns
			}
		}
	}
	return e
}

// Spent is how long sending took, every event and try together.
func (e *Emitter) Spent() time.Duration { return e.spent }

// RunID is the OpenLineage run id of an idstitch run: a name-based UUID (version 5) of the job's
// namespace and name, the output schema and the run id of the runs table, so that anyone can
// derive it from the runs table.
func RunID(pl *plan.Planner, runID int64) string {
	l := pl.Project.Lineage
	ns := "idstitch"
	if l != nil {
		ns = l.Namespace
	}
	name := fmt.Sprintf("idstitch:%s/%s/%s/%d", ns, pl.Project.Project, pl.Project.Output.Schema, runID)
	return uuid.NewSHA1(uuid.NameSpaceURL, []byte(name)).String()
}

// RunStarted sends START: the job with its SQL, the sources with their columns, and the outputs.
func (e *Emitter) RunStarted(ctx context.Context, s runner.Started) {
	if s.DryRun {
		return // a dry run publishes nothing: there is no lineage to tell
	}
	p := e.planner.Project
	e.run = Run{RunID: RunID(e.planner, s.RunID)}
	e.job = Job{Namespace: p.Lineage.Namespace, Name: p.Project, Facets: JobFacets{
		JobType: JobType{Facet: facet(jobTypeFacet), ProcessingType: "BATCH", Integration: "IDSTITCH", JobType: "JOB"},
		SQL:     &SQL{Facet: facet(sqlFacet), Query: s.Plan.Script(plan.DefaultScriptRounds), Dialect: e.planner.Dialect.Name()},
	}}
	d := e.planner.Dialect
	for _, src := range p.Sources {
		schema := src.Schema()
		if schema == "" {
			schema = d.DefaultSchema()
		}
		e.inputs = append(e.inputs, e.dataset(ctx, schema, src.TableName(), true))
	}
	e.started = true
	e.send(ctx, Event{EventType: Start, EventTime: s.At.UTC().Format(time.RFC3339Nano), Run: e.run, Job: e.job,
		Inputs: e.inputs, Outputs: e.outputs(ctx, false)})
}

// RunEnded sends COMPLETE, with the rows of each published table, or FAIL with the error; then
// it adds what went wrong in sending to the run's warnings.
func (e *Emitter) RunEnded(ctx context.Context, sum *runner.Summary, runErr error) {
	if e.started {
		ev := Event{EventType: Complete, EventTime: e.now().UTC().Format(time.RFC3339Nano), Run: e.run, Job: e.job, Inputs: e.inputs}
		if runErr != nil {
			ev.EventType = Fail
			ev.Run.Facets.ErrorMessage = &ErrorMessage{Facet: facet(errorFacet), Message: runErr.Error(), ProgrammingLanguage: "GO"}
			ev.Outputs = e.outputs(ctx, false)
		} else {
			ev.Outputs = e.outputs(ctx, true)
		}
		e.send(ctx, ev)
	}
	for _, w := range e.warnings {
		sum.Warnings = append(sum.Warnings, "lineage: "+w)
	}
	e.warnings = nil
}

// outputs are the tables and views a run publishes; with rows, each table with its count of rows
// and every output with its columns.
func (e *Emitter) outputs(ctx context.Context, rows bool) []Dataset {
	p := e.planner.Project
	schema := p.Output.Schema
	names := append(append([]string{}, plan.Published...), plan.IDChanges, plan.AudienceHistory)
	var out []Dataset
	for _, n := range names {
		ds := e.dataset(ctx, schema, n, rows)
		if rows {
			q := render.SQL(e.planner.Renderer(), idsql.LineageRows, idsql.LineageRowsData{Table: e.planner.OutputTable(n)})
			if c, err := count(ctx, e.conn, q); err != nil {
				e.warn("counting the rows of %s: %v", n, firstLine(err))
			} else {
				ds.OutputFacets = &OutputFacets{OutputStatistics: &OutputStatistics{Facet: facet(statisticsFacet), RowCount: c}}
			}
		}
		out = append(out, ds)
	}
	for _, src := range p.Sources {
		out = append(out, e.dataset(ctx, schema, src.Name+"_stitched", rows))
	}
	return out
}

// dataset names a table of the warehouse, with its columns when asked.
func (e *Emitter) dataset(ctx context.Context, schema, table string, columns bool) Dataset {
	name := schema + "." + table
	if n, ok := connectors.LineageOf(e.planner.Project.Warehouse.Settings); ok {
		if qn, err := n.LineageName(schema, table); err == nil {
			name = qn
		}
	}
	ds := Dataset{Namespace: e.namespace, Name: name}
	if !columns {
		return ds
	}
	cols, err := check.Columns(ctx, e.conn, schema, table)
	if err != nil {
		e.warn("listing the columns of %s.%s: %v", schema, table, firstLine(err))
		return ds
	}
	s := &Schema{Facet: facet(schemaFacet), Fields: []Field{}}
	for _, c := range cols {
		s.Fields = append(s.Fields, Field{Name: c.Name, Type: c.Type})
	}
	ds.Facets = &DatasetFacets{Schema: s}
	return ds
}

// send delivers an event within what is left of the budget.
func (e *Emitter) send(ctx context.Context, ev Event) {
	if e.transport == nil {
		return
	}
	ev.Producer, ev.SchemaURL = Producer, SchemaURL
	body, err := json.Marshal(ev)
	if err != nil {
		e.warn("encoding the %s event: %v", ev.EventType, err)
		return
	}
	if e.remaining <= 0 {
		e.warn("the %s event was not sent to %s: lineage.timeout (%s) was spent on the events before it", ev.EventType, e.transport.where(), e.planner.Project.Lineage.TimeoutDuration)
		return
	}
	ctx, cancel := context.WithTimeout(ctx, e.remaining)
	defer cancel()
	began := time.Now()
	err = e.transport.send(ctx, body)
	took := time.Since(began)
	e.spent += took
	e.remaining -= took
	if err != nil {
		e.warn("the %s event was not sent to %s: %v (the run goes on; lineage.timeout is %s)", ev.EventType, e.transport.where(), firstLine(err), e.planner.Project.Lineage.TimeoutDuration)
	}
}

func (e *Emitter) warn(format string, args ...any) {
	e.warnings = append(e.warnings, fmt.Sprintf(format, args...))
}

func facet(schemaURL string) Facet { return Facet{Producer: Producer, SchemaURL: schemaURL} }

func count(ctx context.Context, conn connectors.Conn, q string) (int64, error) {
	rows, err := conn.Query(ctx, q)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	var n int64
	if rows.Next() {
		if err := rows.Scan(&n); err != nil {
			return 0, err
		}
	}
	return n, rows.Err()
}

func firstLine(err error) string {
	s := err.Error()
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			return s[:i]
		}
	}
	return s
}
