package runner

import (
	"time"

	"github.com/idstitch/idstitch/dialects"
	"github.com/idstitch/idstitch/engine/check"
	"github.com/idstitch/idstitch/engine/plan"
)

// Sent is a group of statements that a run sends to the warehouse. A statement is one SQL text
// the connection is handed: each Exec and each Query, and each statement of an ExecTx. On
// Snowflake each is a round trip (a transaction adds BEGIN and COMMIT); on BigQuery each Exec and
// Query is a job, and a transaction is one script job whose statements run as child jobs.
type Sent struct {
	// Stage is the plan's stage the statements run in, or the step of the run that sends them.
	Stage string
	// What says what the statements are.
	What string
	// Part says how their number depends on the rounds of the stage's loop.
	Part Part
	// Bookkeeping marks what the runner sends around the plan's stages rather than what a stage
	// computes: the setup stage, the runs table, the state and controls it reads to plan, the
	// measures, the publish journal, the tables dropped after publishing, the checks and the
	// lease.
	Bookkeeping bool
	// Statements is how many, and Transactions how many ExecTx calls hold some of them.
	Statements, Transactions int
}

// Part says how a group of statements depends on the number of rounds of a loop.
type Part int

const (
	// Once: sent once per run.
	Once Part = iota
	// Rounds: the statements of every round of the stage's loop, and the count after each.
	Rounds
	// Finish: the end of the loop, which depends on how many rounds it took.
	Finish
)

// Sends counts what Run sends for the plan p (full or incremental, as r.Full asks) when the loop
// of each stage takes rounds(stage) rounds. It follows Run statement by statement, for a project
// in the steady state of one that has run before with the same project file: its schemas exist,
// the registry lists everything it makes, no publish is pending, no killed run left tables, no
// source was removed, the stored state has this version's layout, rules are unchanged, and
// neither lineage nor a dry run is asked for. An incremental run of a project that can take the
// append-only path is counted as a batch that replaces stored rows: the probe, then the regions. A test runs Run on a connection that records what
// it is sent and compares (internal/warehousetest, StatementCounts).
func (r *Runner) Sends(p *plan.Plan, rounds func(stage string) int) []Sent {
	pl := r.Planner
	d := pl.Dialect
	var out []Sent
	add := func(s Sent) {
		if s.Statements > 0 {
			out = append(out, s)
		}
	}
	const run = "run"
	book := func(stage, what string, n int) { add(Sent{Stage: stage, What: what, Bookkeeping: true, Statements: n}) }
	if r.Claimed == nil {
		book(run, "claim the schemas: list their tables, read the registry, make it if missing", check.ClaimSends(pl))
	}
	setup := pl.Setup()
	n := 0
	for _, s := range setup.Statements {
		if s.Schema != "" {
			n += check.SchemaSends(d, s.Schema)
			if s.Schema == pl.Project.Output.WorkSchema && d.WorkTable(s.Schema, "t") != d.Table(s.Schema, "t") {
				// A work schema that is a database of its own, attached under the schema's
				// name (DuckDB's, in memory), is no schema the query finds: it is attached, if
				// not already, every run.
				n++
			}
			continue
		}
		n++
	}
	book(setup.Name, "schemas and the tables that outlive runs, made if missing", n)
	if pl.Journal().Needed() {
		book(run, "read the publish journal", 1)
	}
	if d.Supports(dialects.SingleWriter) {
		book(run, "mark runs left running as failed", 1)
	}
	book(run, "the run's id", 1)
	book(run, "which control tables to read", 1)
	if !r.Full {
		n := 1 // the stored state's metadata
		if p.Reads.Overrides {
			n++ // the block overrides changed since the last run
		}
		for _, s := range pl.Project.Sources {
			if pl.StateMeta().WatermarkQuery(s, time.Time{}) != "" {
				n++
			}
		}
		book(run, "the stored state and each source's watermark", n)
	}
	book(run, "record the run as running", 1)
	for _, st := range p.Stages {
		switch st.Kind {
		case plan.KindSetup:
			continue
		case plan.KindPublish:
			out = append(out, r.publishSends(st)...)
			continue
		}
		out = append(out, stageSends(st, rounds(st.Name))...)
		if st.Kind == plan.KindExtract && p.Append != nil {
			// A batch that replaces stored rows: the probe, then the regions.
			book(run, "count the stored rows the batch replaces (the append-only path's probe)", 1)
		}
		if st.Kind == plan.KindOutputs {
			book(run, "measure the result for the runs table", measureSends(pl, p))
		}
	}
	if p.Erases {
		// emptyWork lists the work tables and drops each; how many there are is not known
		// before the run.
		book(run, "list the work tables (then drop each)", 1)
	}
	return out
}

// stageSends counts what stage sends with its loop taking k rounds.
func stageSends(st plan.Stage, k int) []Sent {
	out := []Sent{{Stage: st.Name, What: "statements", Statements: len(st.Statements)}}
	if l := st.Loop; l != nil {
		out[0].Statements++ // the count before the first round
		n := 0
		for i := 1; i <= k; i++ {
			n += len(l.Round(i)) + 1 // and the count after it
		}
		out = append(out,
			Sent{Stage: st.Name, What: "rounds, each with the count after it", Part: Rounds, Statements: n},
			Sent{Stage: st.Name, What: "end of the loop", Part: Finish, Statements: len(l.Finish(k))})
	}
	out = append(out, Sent{Stage: st.Name, What: "after", Statements: len(st.After)})
	// The rounds and the end of a loop stay when they are none, so that counts for different
	// rounds have the same lines.
	var kept []Sent
	for _, s := range out {
		if s.Statements > 0 || s.Part != Once {
			kept = append(kept, s)
		}
	}
	return kept
}

// measureSends counts the queries of measure.
func measureSends(pl *plan.Planner, p *plan.Plan) int {
	n := len(p.SourceRows)
	for _, q := range pl.FutureRows(p, time.Time{}) {
		if q != "" {
			n++
		}
	}
	// The profiles changed, the changes by kind, the controls, the statistics and the quarantine.
	return n + 1 + 1 + len(p.Controls) + 1 + 1
}

// publishSends counts what publish sends for the publish stage st.
func (r *Runner) publishSends(st plan.Stage) []Sent {
	pl := r.Planner
	const stage = "publish"
	out := []Sent{{Stage: stage, What: "list the views of the output schema", Bookkeeping: true, Statements: 1}}
	cleanup := Sent{Stage: stage, What: "drop the tables the publish copied from", Bookkeeping: true, Statements: len(pl.Cleanup())}
	done := Sent{Stage: stage, What: "record the run's success, in the publish's transaction", Bookkeeping: true, Statements: 1}
	switch {
	case st.Atomic && pl.Dialect.Supports(dialects.TransactionalDDL):
		return append(out, Sent{Stage: stage, What: "statements, in one transaction", Statements: len(st.Statements), Transactions: 1}, done)
	case st.Atomic:
		return append(out, Sent{Stage: stage, What: "statements, in one transaction", Statements: len(st.Statements), Transactions: 1}, done, cleanup)
	}
	journal := len(pl.Journal().Write(0, sqlOf(st.Statements), append(sqlOf(st.Commit), "")))
	return append(out,
		Sent{Stage: stage, What: "record the publish in the journal, in one transaction", Bookkeeping: true, Statements: journal, Transactions: 1},
		Sent{Stage: stage, What: "replace each table", Statements: len(st.Statements)},
		Sent{Stage: stage, What: "statements committed together", Statements: len(st.Commit), Transactions: 1},
		Sent{Stage: stage, What: "record the run's success and clear the journal, in that transaction", Bookkeeping: true, Statements: 2},
		cleanup)
}
