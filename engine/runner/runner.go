// Package runner executes a plan against a warehouse: it runs the stages in order, drives the
// contraction loop, checks what the plan says must hold, records the run in the runs table and
// publishes the outputs: in one transaction where DDL is transactional, else table by table from
// a journal that the next run completes if this one stops part-way. A run that fails before it
// publishes leaves the published tables as they were.
package runner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/dialects"
	"github.com/idstitch/idstitch/engine/check"
	"github.com/idstitch/idstitch/engine/plan"
	idsql "github.com/idstitch/idstitch/sql"
)

// Event reports progress. Round is 0 for stage events.
type Event struct {
	Stage     string
	Round     int
	Remaining int64
	Unit      string
	// Done is set when the stage has finished, with its duration.
	Done    bool
	Elapsed time.Duration
}

// Runner runs plans on one warehouse.
type Runner struct {
	Conn     connectors.Conn
	Planner  *plan.Planner
	Progress func(Event)
	// Trace, when set, is told of every statement with its duration.
	Trace func(stage, sql string, took time.Duration)
	// Full forces a full rebuild where an incremental run would do; FullReason says why
	// (default: it was asked for with --full).
	Full       bool
	FullReason string
	// DryRun computes the new result and what would change, and publishes nothing.
	DryRun bool
	// Observer, when set, is told when the run begins and how it ends.
	Observer Observer
	// Claimed, when set, is what the caller's check.Claim found just before the run (it claims
	// the schemas to take the run lease); the run then does not check and claim them again.
	Claimed *check.Owned

	// journaled is set once a run has begun to record its publish in the journal.
	journaled bool
	// stale are what the project made and no longer makes, dropped once the run has published.
	stale []idsql.Object
	// unpublished: no run had published before this one.
	unpublished bool
}

// Observer is told when a run has begun (it has its id and plan, and the runs table records it as
// running) and when it has ended, with the summary so far when it failed. Lineage is sent from
// it. The run waits for it, so an observer bounds its own time; it reports what went wrong on
// its side as warnings of the summary, never as the run's failure.
type Observer interface {
	RunStarted(ctx context.Context, s Started)
	RunEnded(ctx context.Context, sum *Summary, err error)
}

// Started is a run that has begun.
type Started struct {
	RunID  int64
	Mode   string
	Plan   *plan.Plan
	At     time.Time
	DryRun bool
}

// StageTime is how long one stage took.
type StageTime struct {
	Stage   string
	Seconds float64
}

// Summary is what a successful run measured.
type Summary struct {
	RunID        int64
	Result       plan.Result
	Stages       []StageTime
	RowsBySource map[string]int64
	Elapsed      time.Duration
	// Warnings are what a successful run wants seen: failures after publishing (an index that
	// could not be built), and rows dated after the horizon.
	Warnings []string
	// Mode is full or incremental; Reason says why a run is full.
	Mode, Reason string
	// Path, for an incremental run, is plan.PathAppend or plan.PathRegions; PathNote says why a run
	// that could take the append-only path did not.
	Path, PathNote string
	// Watermarks has, per source read from a watermark, that watermark.
	Watermarks map[string]time.Time
	// Horizon is the latest time a row may be dated and count toward a watermark: the run's
	// clock plus incremental.future_tolerance.
	Horizon time.Time
	// Changes counts the changes of universal ids by kind (new, merge, split, quarantine).
	Changes map[string]Change
	// DryRun is set when nothing was published.
	DryRun bool
	// Rules are the guard rules an incremental run decided again because they changed.
	Rules plan.Rules
	// Upgrade says how the stored state of an earlier layout was brought to this version's.
	Upgrade string
	// Completed says which earlier run's publish, stopped part-way, this run completed first.
	Completed string
	// Adopted says that the tables of an earlier install were taken into the registry.
	Adopted string
}

// Change counts one kind of change: rows of id_changes and the identifiers they moved.
type Change struct {
	Rows, Identifiers int64
}

// StageError is a failure inside a stage.
type StageError struct {
	Stage string
	Note  string
	RunID int64
	Err   error
}

func (e *StageError) Error() string {
	if e.Note != "" {
		return fmt.Sprintf("stage %s, %s: %v", e.Stage, e.Note, e.Err)
	}
	return fmt.Sprintf("stage %s: %v", e.Stage, e.Err)
}

func (e *StageError) Unwrap() error { return e.Err }

// ErrCheck marks a failed plan check (a hash collision, a loop that did not converge).
var ErrCheck = errors.New("check failed")

func (r *Runner) progress(e Event) {
	if r.Progress != nil {
		r.Progress(e)
	}
}

// Run executes a full run.
func (r *Runner) Run(ctx context.Context) (*Summary, error) {
	start := time.Now()
	sum := &Summary{RowsBySource: map[string]int64{}}
	if err := r.prepare(ctx, sum); err != nil {
		return nil, err
	}
	runID, err := r.count(ctx, r.Planner.RunLog().NextID())
	if err != nil {
		return nil, &StageError{Stage: setupStage, Err: err}
	}
	sum.RunID = runID
	sum.DryRun = r.DryRun
	// From here on every statement belongs to the run: warehouses that tag statements for cost
	// reports tag them with its id.
	ctx = connectors.WithRun(ctx, runID)
	p, err := r.plan(ctx, runID, sum)
	if err != nil {
		return nil, &StageError{Stage: setupStage, Note: "reading the state of the last run", Err: err}
	}
	if err := r.Conn.Exec(ctx, r.Planner.RunLog().Start(runID, p.Mode).SQL); err != nil {
		return nil, &StageError{Stage: setupStage, Err: err}
	}

	if r.Observer != nil {
		r.Observer.RunStarted(ctx, Started{RunID: runID, Mode: sum.Mode, Plan: p, At: start, DryRun: r.DryRun})
	}
	runErr := r.stages(ctx, p, sum)
	if runErr == nil && p.Erases && !r.DryRun {
		r.emptyWork(ctx, sum)
	}
	sum.Elapsed = time.Since(start)
	if runErr != nil {
		r.recordFailure(sum, runErr)
	}
	if r.Observer != nil {
		// The run's context may be why it ended; the observer still reports the end.
		r.Observer.RunEnded(context.WithoutCancel(ctx), sum, runErr)
	}
	if runErr != nil {
		return nil, runErr
	}
	return sum, nil
}

// setupStage names the errors of what a run does before its first stage.
const setupStage = "setup"

// prepare readies the warehouse for a run: it checks that the schemas are idstitch's own and
// lists what the run makes as such, makes the schemas and the tables that outlive runs,
// completes a publish that an earlier run left part-way, and drops what a killed run left.
func (r *Runner) prepare(ctx context.Context, sum *Summary) error {
	// Nothing is created before the schemas are known to hold only what idstitch made there;
	// then what the run makes is listed as idstitch's.
	owned := r.Claimed
	if owned == nil {
		var err error
		if owned, err = check.Claim(ctx, r.Conn, r.Planner); err != nil {
			return err
		}
	}
	setup := r.Planner.Setup()
	for _, s := range setup.Statements {
		exec := func() error { return r.Conn.Exec(ctx, s.SQL) }
		if s.Schema != "" {
			exec = func() error { return check.EnsureSchema(ctx, r.Conn, s.Schema, s.SQL) }
		}
		if err := exec(); err != nil {
			return &StageError{Stage: setup.Name, Err: err}
		}
	}
	if len(owned.Adopted) > 0 {
		sum.Adopted = fmt.Sprintf("adopted %d tables of an earlier install, which its runs table vouches for, into %s.%s",
			len(owned.Adopted), r.Planner.Project.Output.Schema, plan.RegistryTable)
	}
	// A publish that stopped part-way is completed before anything else, so that the state
	// this run reads and the outputs it replaces are those of one run.
	completed, err := r.completePending(ctx)
	if err != nil {
		return &StageError{Stage: setup.Name, Note: "completing the publish of an earlier run that stopped part-way", Err: err}
	}
	sum.Completed = completed
	if completed == "" && len(owned.Leftovers) > 0 {
		// A killed run left the tables it was building; they would only be built again.
		var drop []plan.Statement
		for _, o := range owned.Leftovers {
			drop = append(drop, plan.Statement{SQL: r.Conn.Dialect().DropTable(r.Conn.Dialect().Table(o.Schema, o.Name))})
		}
		if err := r.statements(ctx, setup.Name, drop); err != nil {
			return err
		}
	}
	r.stale = owned.Stale
	r.unpublished = owned.Unpublished
	if r.Conn.Dialect().Supports(dialects.SingleWriter) {
		if err := r.Conn.Exec(ctx, r.Planner.RunLog().Abandoned().SQL); err != nil {
			return &StageError{Stage: setup.Name, Err: err}
		}
	}
	return nil
}

func (r *Runner) stages(ctx context.Context, p *plan.Plan, sum *Summary) error {
	published := false
	stages, incremental := p.Stages, p
	appendFrom := 0 // the first entry of sum.Stages that the append-only path timed
	for i := 0; i < len(stages); i++ {
		st := stages[i]
		if st.Kind == plan.KindSetup {
			continue // Run made the setup stage before planning: planning reads what it creates
		}
		began := time.Now()
		r.progress(Event{Stage: st.Name})
		var err error
		if st.Kind == plan.KindPublish && r.DryRun {
			return r.finishDry(ctx, sum)
		}
		if st.Kind == plan.KindPublish {
			err = r.publish(ctx, st, sum)
			published = err == nil
			if published {
				r.dropStale(ctx, sum)
			}
		} else {
			err = r.stage(ctx, st, sum)
		}
		if err != nil && published {
			sum.Warnings = append(sum.Warnings, (&StageError{Stage: st.Name, Err: err}).Error())
			continue
		}
		if err != nil {
			var se *StageError
			if !errors.As(err, &se) {
				se = &StageError{Stage: st.Name, Err: err}
				err = se
			}
			se.RunID = sum.RunID
			return err
		}
		took := time.Since(began)
		sum.Stages = append(sum.Stages, StageTime{Stage: st.Name, Seconds: took.Seconds()})
		r.progress(Event{Stage: st.Name, Done: true, Elapsed: took})
		if st.Kind == plan.KindExtract && p.Append != nil {
			next, err := r.appendOnly(ctx, p, sum)
			if err != nil {
				return &StageError{Stage: st.Name, Note: "counting the stored rows the batch replaces", RunID: sum.RunID, Err: err}
			}
			if next != nil {
				p, stages, i = next, next.Stages, stageIndex(next, plan.KindExtract)
				appendFrom = len(sum.Stages)
			}
		}
		if back, err := r.recheck(ctx, p, st); err != nil {
			return &StageError{Stage: st.Name, Note: "checking the guards of the append-only path", RunID: sum.RunID, Err: err}
		} else if back != "" {
			// The regions are recomputed instead, from the batch already read. The append-only
			// stages' time counts as one entry; the regions' stages have their names.
			sum.Path, sum.PathNote = plan.PathRegions, back
			tried := StageTime{Stage: "append_only"}
			for _, t := range sum.Stages[appendFrom:] {
				tried.Seconds += t.Seconds
			}
			sum.Stages = append(sum.Stages[:appendFrom], tried)
			p, stages, i = incremental, incremental.Stages, stageIndex(incremental, plan.KindExtract)
			continue
		}
		if st.Kind == plan.KindOutputs {
			if err := r.measure(ctx, p, sum); err != nil {
				return &StageError{Stage: st.Name, Note: "measuring the result", RunID: sum.RunID, Err: err}
			}
		}
	}
	return nil
}

func (r *Runner) stage(ctx context.Context, st plan.Stage, sum *Summary) error {
	if err := r.statements(ctx, st.Name, st.Statements); err != nil {
		return err
	}
	if st.Loop == nil {
		return r.statements(ctx, st.Name, st.After)
	}
	l := st.Loop
	prev, err := r.count(ctx, l.Start)
	if err != nil {
		return &StageError{Stage: st.Name, Err: err}
	}
	limit := l.MaxRounds(prev)
	rounds := 0
	for remaining := prev; remaining > 0; {
		rounds++
		if rounds > limit {
			return &StageError{Stage: st.Name, Err: fmt.Errorf("%w: still %d %s after %d rounds, the most this graph may take", ErrCheck, remaining, l.RemainingUnit, limit)}
		}
		if err := r.statements(ctx, st.Name, l.Round(rounds)); err != nil {
			return err
		}
		if remaining, err = r.count(ctx, l.Remaining(rounds)); err != nil {
			return &StageError{Stage: st.Name, Note: fmt.Sprintf("round %d", rounds), Err: err}
		}
		if l.Monotone && remaining > prev {
			return &StageError{Stage: st.Name, Err: fmt.Errorf("%w: round %d grew the edge table from %d to %d edges", ErrCheck, rounds, prev, remaining)}
		}
		prev = remaining
		if st.Kind == plan.KindComponents {
			// runs.rounds counts contraction rounds; the loops of the guards and the regions
			// have rounds of their own, in the progress events.
			sum.Result.Rounds = rounds
		}
		r.progress(Event{Stage: st.Name, Round: rounds, Remaining: remaining, Unit: l.RemainingUnit})
	}
	if err := r.statements(ctx, st.Name, l.Finish(rounds)); err != nil {
		return err
	}
	return r.statements(ctx, st.Name, st.After)
}

func (r *Runner) statements(ctx context.Context, stage string, stmts []plan.Statement) error {
	for _, s := range stmts {
		if err := ctx.Err(); err != nil {
			return &StageError{Stage: stage, Note: s.Note, Err: &connectors.Error{Kind: connectors.Canceled, Err: err}}
		}
		if s.Check != "" {
			n, err := r.count(ctx, s.SQL)
			if err != nil {
				return &StageError{Stage: stage, Note: s.Note, Err: err}
			}
			if n != 0 {
				return &StageError{Stage: stage, Err: fmt.Errorf("%w: %s (%d found)", ErrCheck, s.Check, n)}
			}
			continue
		}
		began := time.Now()
		if err := r.Conn.Exec(ctx, s.SQL); err != nil {
			return &StageError{Stage: stage, Note: s.Note, Err: err}
		}
		if r.Trace != nil {
			r.Trace(stage, s.SQL, time.Since(began))
		}
	}
	return nil
}

func (r *Runner) measure(ctx context.Context, p *plan.Plan, sum *Summary) error {
	names := make([]string, 0, len(p.SourceRows))
	for n := range p.SourceRows {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		c, err := r.count(ctx, p.SourceRows[n])
		if err != nil {
			return err
		}
		sum.RowsBySource[n] = c
		sum.Result.RowsRead += c
	}
	var parts []string
	for _, n := range names {
		b, _ := json.Marshal(n)
		parts = append(parts, fmt.Sprintf("%s: %d", b, sum.RowsBySource[n]))
	}
	sum.Result.RowsBySource = "{" + strings.Join(parts, ", ") + "}"
	future := r.Planner.FutureRows(p, sum.Horizon)
	for _, n := range names {
		if future[n] == "" {
			continue
		}
		c, err := r.count(ctx, future[n])
		if err != nil {
			return err
		}
		sum.Result.FutureRows += c
		if c > 0 {
			rows, them := fmt.Sprintf("%d rows are", c), "them"
			if c == 1 {
				rows, them = "1 row is", "it"
			}
			sum.Warnings = append(sum.Warnings, fmt.Sprintf("source %s: %s dated after %s (the run's clock plus incremental.future_tolerance); the watermark leaves %s out, and every run reads %s again until then",
				n, rows, sum.Horizon.Format(time.RFC3339), them, them))
		}
	}
	changed, err := r.count(ctx, p.ComponentsChanged)
	if err != nil {
		return err
	}
	sum.Result.ComponentsChanged = changed
	if err := r.changes(ctx, sum); err != nil {
		return err
	}
	if err := r.tally(ctx, p, sum); err != nil {
		return err
	}
	rows, err := r.Conn.Query(ctx, p.Stats)
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		return fmt.Errorf("statistics query returned no row")
	}
	res := &sum.Result
	if err := rows.Scan(&res.Nodes, &res.Edges, &res.Components, &res.Largest); err != nil {
		return err
	}
	if err := rows.Err(); err != nil {
		return err
	}
	rows.Close()
	rows, err = r.Conn.Query(ctx, p.QuarantineCounts)
	if err != nil {
		return err
	}
	res.Quarantined = map[string]int64{}
	for rows.Next() {
		var reason string
		var n int64
		if err := rows.Scan(&reason, &n); err != nil {
			return err
		}
		res.Quarantined[reason] = n
	}
	return rows.Err()
}

func (r *Runner) publish(ctx context.Context, st plan.Stage, sum *Summary) error {
	began := time.Now()
	if r.Trace != nil {
		// The publish is sent as transactions and a journal: the connector times their
		// statements one by one.
		ctx = connectors.WithTrace(ctx, func(sql string, took time.Duration) { r.Trace(st.Name, sql, took) })
	}
	sum.Result.StageSeconds = stageJSON(append(sum.Stages, StageTime{Stage: st.Name, Seconds: time.Since(began).Seconds()}))
	// Stitched views left by sources the project no longer has go first.
	stale, err := r.staleViews(ctx)
	if err != nil {
		return &StageError{Stage: st.Name, Note: "listing the views of the output schema", Err: err}
	}
	if err := ctx.Err(); err != nil {
		return &StageError{Stage: st.Name, Err: &connectors.Error{Kind: connectors.Canceled, Err: err}}
	}
	done := r.Planner.RunLog().Succeeded(sum.RunID, sum.Result).SQL
	transactionalDDL := r.Conn.Dialect().Supports(dialects.TransactionalDDL)
	switch {
	case st.Atomic && transactionalDDL:
		qs := append(stale, sqlOf(st.Statements)...)
		if err := r.Conn.ExecTx(ctx, append(qs, done)); err != nil {
			return &StageError{Stage: st.Name, Err: err}
		}
		return nil
	case st.Atomic:
		// DML only (an incremental publish): one transaction holds it even where DDL commits
		// at once. The views go before it, and the tables it copied from after.
		for _, q := range stale {
			began := time.Now()
			if err := r.Conn.Exec(ctx, q); err != nil {
				return &StageError{Stage: st.Name, Err: err}
			}
			connectors.Traced(ctx, q, began)
		}
		if err := r.Conn.ExecTx(ctx, append(sqlOf(st.Statements), done)); err != nil {
			return &StageError{Stage: st.Name, Err: err}
		}
		r.dropNext(ctx, sum)
		return nil
	}
	// Without transactions over DDL a full run's tables are replaced one by one: the publish is
	// journaled first, so that one stopped part-way is completed by the next run.
	j := pending{runID: sum.RunID, replace: append(stale, sqlOf(st.Statements)...), commit: append(sqlOf(st.Commit), done)}
	r.journaled = true
	if err := r.Conn.ExecTx(ctx, r.Planner.Journal().Write(j.runID, j.replace, j.commit)); err != nil {
		return &StageError{Stage: st.Name, Note: "recording the publish in the journal", Err: err}
	}
	if err := r.complete(ctx, j); err != nil {
		return &StageError{Stage: st.Name, Note: "the publish stopped part-way; the next run completes it before anything else", Err: err}
	}
	r.dropNext(ctx, sum)
	return nil
}

// pending is a journaled publish: the replacements in order, then what commits together.
type pending struct {
	runID           int64
	replace, commit []string
}

// complete runs a journaled publish to its end. Each replacement can run again, and the
// statements that end it commit with the clearing of the journal, so completing a publish that
// was partly or wholly done gives the same tables.
func (r *Runner) complete(ctx context.Context, j pending) error {
	for _, q := range j.replace {
		began := time.Now()
		if err := r.Conn.Exec(ctx, q); err != nil {
			return err
		}
		connectors.Traced(ctx, q, began)
	}
	return r.Conn.ExecTx(ctx, append(j.commit, r.Planner.Journal().Clear()))
}

// completePending completes the journaled publish that a run left unfinished, if any, and says
// which run it was.
func (r *Runner) completePending(ctx context.Context) (string, error) {
	if !r.Planner.Journal().Needed() {
		return "", nil
	}
	rows, err := r.Conn.Query(ctx, r.Planner.Journal().Read())
	if err != nil {
		return "", err
	}
	var j pending
	for rows.Next() {
		var phase, q string
		if err := rows.Scan(&j.runID, &phase, &q); err != nil {
			rows.Close()
			return "", err
		}
		if phase == plan.PhaseReplace {
			j.replace = append(j.replace, q)
		} else {
			j.commit = append(j.commit, q)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return "", err
	}
	if len(j.replace)+len(j.commit) == 0 {
		return "", nil
	}
	if err := r.complete(ctx, j); err != nil {
		return "", err
	}
	for _, s := range r.Planner.Cleanup() {
		_ = r.Conn.Exec(ctx, s.SQL) // what is left is dropped again after this run
	}
	return fmt.Sprintf("completed the publish of run %d, which had stopped part-way", j.runID), nil
}

// dropNext drops the tables a publish copied from. The run has succeeded: a table that cannot
// be dropped is a warning, and the next run replaces it.
func (r *Runner) dropNext(ctx context.Context, sum *Summary) {
	for _, s := range r.Planner.Cleanup() {
		if err := r.Conn.Exec(ctx, s.SQL); err != nil {
			sum.Warnings = append(sum.Warnings, fmt.Sprintf("dropping a table the publish copied from: %v", err))
		}
	}
}

// dropStale drops what the project made and no longer makes, now that the run that no longer
// makes it has published. The run has succeeded: a failure is a warning, and the next run
// tries again.
// emptyWork drops every table of the work schema after a run that forgot values: its tables
// hold copies of what the run read, the forgotten identifiers among them, and are made again by
// the next run.
func (r *Runner) emptyWork(ctx context.Context, sum *Summary) {
	d, schema := r.Conn.Dialect(), r.Planner.Project.Output.WorkSchema
	warn := func(err error) {
		sum.Warnings = append(sum.Warnings, fmt.Sprintf("the work schema %s may still hold copies of the identifiers this run forgot; drop its tables: %v", schema, err))
	}
	tables, err := check.WorkTables(ctx, r.Conn, schema)
	if err != nil {
		warn(err)
		return
	}
	for _, t := range tables {
		if err := r.Conn.Exec(ctx, d.DropTable(d.WorkTable(schema, t))); err != nil {
			warn(err)
			return
		}
	}
}

func (r *Runner) dropStale(ctx context.Context, sum *Summary) {
	for _, s := range r.Planner.Registry().Drop(r.stale) {
		if err := r.Conn.Exec(ctx, s.SQL); err != nil {
			sum.Warnings = append(sum.Warnings, fmt.Sprintf("dropping what a removed source left: %v", err))
			return
		}
	}
}

// staleViews returns the statements dropping the stitched views of sources the project no
// longer has.
func (r *Runner) staleViews(ctx context.Context) ([]string, error) {
	q, args := r.Conn.Dialect().ViewsQuery(r.Planner.Project.Output.Schema)
	rows, err := r.Conn.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var views []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		views = append(views, v)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return sqlOf(r.Planner.StaleViews(views)), nil
}

func sqlOf(stmts []plan.Statement) []string {
	out := make([]string, 0, len(stmts))
	for _, s := range stmts {
		out = append(out, s.SQL)
	}
	return out
}

// recordFailure marks the run failed and removes half-built output tables. It uses a fresh
// context: the run's own may be the reason it failed.
func (r *Runner) recordFailure(sum *Summary, runErr error) {
	ctx, cancel := context.WithTimeout(connectors.WithRun(context.Background(), sum.RunID), 30*time.Second)
	defer cancel()
	// A journaled publish needs its new tables until the next run completes it (even when
	// recording it seemed to fail: the commit may have happened all the same).
	if !r.journaled {
		for _, s := range r.Planner.Cleanup() {
			_ = r.Conn.Exec(ctx, s.SQL)
		}
	}
	sum.Result.StageSeconds = stageJSON(sum.Stages)
	msg := runErr.Error()
	if len(msg) > 2000 {
		msg = msg[:2000]
	}
	_ = r.Conn.Exec(ctx, r.Planner.RunLog().Failed(sum.RunID, sum.Result, msg).SQL)
}

func (r *Runner) count(ctx context.Context, query string) (int64, error) {
	rows, err := r.Conn.Query(ctx, query)
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

func stageJSON(st []StageTime) string {
	var parts []string
	for _, s := range st {
		b, _ := json.Marshal(s.Stage)
		parts = append(parts, fmt.Sprintf("%s: %.3f", b, s.Seconds))
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// plan chooses the run's mode and plans it: incremental when the state of a previous run exists
// and was built from the same project file, full otherwise or when asked.
func (r *Runner) plan(ctx context.Context, runID int64, sum *Summary) (*plan.Plan, error) {
	pl := r.Planner
	sum.Horizon = pl.Horizon(time.Now())
	controls, err := r.controls(ctx)
	if err != nil {
		return nil, err
	}
	full := func(reason string) (*plan.Plan, error) {
		sum.Mode, sum.Reason = plan.ModeFull, reason
		sum.Result.Watermarks = "{}"
		return pl.PlanWith(runID, nil, controls)
	}
	if r.Full {
		if r.FullReason != "" {
			return full(r.FullReason)
		}
		return full("asked for with --full")
	}
	stored := map[string]string{}
	rows, err := r.Conn.Query(ctx, pl.StateMeta().Query())
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			rows.Close()
			return nil, err
		}
		stored[k] = v
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(stored) == 0 {
		return full("no earlier run has left state to build on")
	}
	migrate, notice, rebuild := pl.StateMeta().Upgrade(stored)
	if rebuild != "" {
		return full(rebuild)
	}
	for _, st := range migrate {
		if err := r.Conn.Exec(ctx, st.SQL); err != nil {
			return nil, fmt.Errorf("migrating the stored state to layout %d: %w", plan.Layout, err)
		}
	}
	sum.Upgrade = notice
	rules, changed := plan.SplitChanges(plan.Changed(stored, pl.StateMeta().Fingerprints()), stored)
	if len(changed) > 0 {
		return full(strings.Join(changed, ", ") + " changed in the project file since the last run")
	}
	if rules.Degrees && !pl.StateMeta().HasHubGuard() {
		return full("max_degree was removed from every id type since the last run")
	}
	if controls.Overrides && !rules.Checks {
		// A value blocked or unblocked since the last run changes the checks of every row.
		n, err := r.count(ctx, pl.BlocksChanged())
		if err != nil {
			return nil, err
		}
		rules.Checks = n > 0
	}
	prior := plan.Prior{Watermarks: map[string]time.Time{}, Rules: rules}
	sum.Rules = rules
	var marks []string
	for _, s := range pl.Project.Sources {
		q := pl.StateMeta().WatermarkQuery(s, sum.Horizon)
		if q == "" {
			continue
		}
		rows, err := r.Conn.Query(ctx, q)
		if err != nil {
			return nil, err
		}
		var wm *time.Time
		if rows.Next() {
			if err := rows.Scan(&wm); err != nil {
				rows.Close()
				return nil, err
			}
		}
		rows.Close()
		if wm != nil {
			prior.Watermarks[s.Name] = *wm
			b, _ := json.Marshal(s.Name)
			marks = append(marks, fmt.Sprintf("%s: %q", b, wm.UTC().Format(time.RFC3339Nano)))
		}
	}
	sum.Mode, sum.Watermarks, sum.Path = plan.ModeIncremental, prior.Watermarks, plan.PathRegions
	sum.Result.Watermarks = "{" + strings.Join(marks, ", ") + "}"
	return pl.PlanWith(runID, &prior, controls)
}

// controls reads which of the tables people write to between runs this run must read.
func (r *Runner) controls(ctx context.Context) (plan.Controls, error) {
	rows, err := r.Conn.Query(ctx, r.Planner.ControlsProbe())
	if err != nil {
		return plan.Controls{}, err
	}
	defer rows.Close()
	var overrides, applied, requests, audit int64
	if rows.Next() {
		if err := rows.Scan(&overrides, &applied, &requests, &audit); err != nil {
			return plan.Controls{}, err
		}
	}
	return plan.ReadControls(overrides, applied, requests, audit), rows.Err()
}

// tally reads what the run did with the overrides and forget requests.
func (r *Runner) tally(ctx context.Context, p *plan.Plan, sum *Summary) error {
	sum.Result.Controls = map[string]int64{}
	for _, q := range p.Controls {
		rows, err := r.Conn.Query(ctx, q)
		if err != nil {
			return err
		}
		for rows.Next() {
			var name string
			var n int64
			if err := rows.Scan(&name, &n); err != nil {
				rows.Close()
				return err
			}
			sum.Result.Controls[name] += n
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// changes reads what the run changes, by kind.
func (r *Runner) changes(ctx context.Context, sum *Summary) error {
	rows, err := r.Conn.Query(ctx, r.Planner.RunLog().Changes())
	if err != nil {
		return err
	}
	defer rows.Close()
	sum.Changes = map[string]Change{}
	for rows.Next() {
		var kind string
		var c Change
		if err := rows.Scan(&kind, &c.Rows, &c.Identifiers); err != nil {
			return err
		}
		sum.Changes[kind] = c
	}
	return rows.Err()
}

// finishDry ends a dry run before publishing: the run is recorded as a dry run, and the tables
// it built stay in the work schema for inspection.
func (r *Runner) finishDry(ctx context.Context, sum *Summary) error {
	sum.Result.StageSeconds = stageJSON(sum.Stages)
	for _, t := range r.Planner.Cleanup() {
		if err := r.Conn.Exec(ctx, t.SQL); err != nil {
			return &StageError{Stage: "publish", Note: "dropping the tables a dry run built for publishing", Err: err}
		}
	}
	if err := r.Conn.Exec(ctx, r.Planner.RunLog().DryRun(sum.RunID, sum.Result).SQL); err != nil {
		return &StageError{Stage: "publish", Err: err}
	}
	if r.unpublished {
		// A dry run before any run publishes nothing, not even the empty outputs that setup
		// made for it to compare with; the runs table keeps its record.
		for _, t := range r.Planner.EmptyOutputs() {
			if err := r.Conn.Exec(ctx, t.SQL); err != nil {
				return &StageError{Stage: "publish", Note: "dropping the empty outputs a dry run made", Err: err}
			}
		}
	}
	return nil
}

// appendOnly decides, once the batch is read, whether an incremental run takes the append-only
// path: when no stored row is replaced, it returns the plan to go on with.
func (r *Runner) appendOnly(ctx context.Context, p *plan.Plan, sum *Summary) (*plan.Plan, error) {
	n, err := r.count(ctx, p.AppendProbe)
	if err != nil {
		return nil, err
	}
	if n > 0 {
		sum.Path, sum.PathNote = plan.PathRegions, "the batch replaces stored rows of the window (changed, gone or arrived again)"
		return nil, nil
	}
	sum.Path = plan.PathAppend
	return p.Append, nil
}

// stageIndex is the position of the first stage of kind k in p.
func stageIndex(p *plan.Plan, k plan.Kind) int {
	for i, st := range p.Stages {
		if st.Kind == k {
			return i
		}
	}
	panic("plan without a stage of the kind asked for")
}

// recheck reads, after a stage of the append-only path, the rechecks of its kind, and returns why
// the batch goes back to the regions, or "".
func (r *Runner) recheck(ctx context.Context, p *plan.Plan, st plan.Stage) (string, error) {
	for _, rc := range p.Rechecks {
		if rc.After != st.Kind {
			continue
		}
		n, err := r.count(ctx, rc.Query)
		if err != nil {
			return "", err
		}
		if n > 0 {
			return rc.Why, nil
		}
	}
	return "", nil
}
