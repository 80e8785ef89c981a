// Package plan turns a project and a dialect into the SQL of a run: stages of statements, each
// built in its own file by one builder, with the contraction rounds as a loop whose length the
// runner discovers. Full and incremental runs are two lists of builders (modes.go) over one typed
// state (build.go). Planning does no I/O, so a plan can be printed and golden-tested for every
// warehouse without one. Statement text lives in package sql's templates; DDL spelling in the
// dialect.
package plan

import (
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/idstitch/idstitch/dialects"
	"github.com/idstitch/idstitch/engine/config"
	"github.com/idstitch/idstitch/engine/render"
)

// Output tables, published under the project's output schema.
const (
	IDGraph         = "id_graph"
	Profiles        = "profiles"
	IDEdges         = "id_edges"
	IDQuarantine    = "id_quarantine"
	AudienceMembers = "audience_members"
	AudienceHistory = "audience_history"
	Runs            = "runs"
	// IDChanges records every change of universal ids between runs.
	IDChanges = "id_changes"
	// Overrides, ForgetRequests and ForgetAudit are the tables people write to between runs
	// (controls.go); runs read them and never replace them.
	Overrides      = "overrides"
	ForgetRequests = "forget_requests"
	ForgetAudit    = "forget_audit"
)

// Published lists the tables swapped in together at publish time.
var Published = []string{IDGraph, Profiles, IDEdges, IDQuarantine, AudienceMembers}

// Modes of a run.
const (
	ModeFull        = "full"
	ModeIncremental = "incremental"
)

// Algorithm chooses how connected components are computed.
type Algorithm string

const (
	// Contraction is randomised contraction: O(log n) rounds on any graph.
	Contraction Algorithm = "contraction"
	// LabelPropagation needs as many rounds as the graph's diameter. It is kept only as a
	// baseline for benchmarks.
	LabelPropagation Algorithm = "labelprop"
)

// Statement is one SQL statement. When Check is set, the statement is a query returning a single
// count that must be zero, and Check is the sentence to fail with otherwise.
type Statement struct {
	Note  string
	SQL   string
	Check string
	// Schema, when set, is the schema this statement creates. The runner skips the statement
	// when the schema exists: CREATE SCHEMA IF NOT EXISTS needs the privilege to create schemas
	// even then, and a role given schemas of its own may not have it.
	Schema string
}

// Kind says what a stage does, so that the runner can treat stages by what they are, never by
// their position or name.
type Kind int

const (
	KindSetup        Kind = iota + 1 // schemas and the tables that outlive runs
	KindExtract                      // each source's identifiers, normalized and checked
	KindRegion                       // incremental runs: what to recompute
	KindNodes                        // distinct identifiers with their node ids
	KindGuards                       // invalid and blocked values, hubs
	KindEdges                        // the links of each row
	KindComponents                   // connected components
	KindLimit                        // one id type's limit per profile
	KindAnonymous                    // the anonymous policy, isolate or evidence
	KindRegions                      // components of all links, when policies split them
	KindIDs                          // universal ids
	KindTraits                       // profile columns from the sources' rows
	KindOutputs                      // output tables built beside the published ones; measured after
	KindPublish                      // swaps the outputs in; the run is recorded as a success with it
	KindIndexes                      // indexes for lookups, after publishing
	KindControls                     // the overrides and forget requests people wrote, read before extraction
	KindAfterPublish                 // bookkeeping after a publish that is not one transaction; a failure is a warning
)

// Stage is a step of a run.
type Stage struct {
	Kind Kind
	// Name is what progress and the runs table show; several stages can have one kind
	// (limit_email, limit_user_id).
	Name       string
	Note       string
	Statements []Statement
	// Atomic stages run in one transaction.
	Atomic bool
	// Commit, on a publish stage that is not Atomic, runs in one transaction once every
	// statement of Statements has run; the runner records both in the Journal first.
	Commit []Statement
	// Loop, when set, runs after Statements.
	Loop *Loop
	// After runs once the loop has finished.
	After []Statement
}

// Loop is a stage part that repeats until a count reaches zero.
type Loop struct {
	// Round returns the statements of round i, counting from 1.
	Round func(i int) []Statement
	// Remaining returns the count query run after round i; the loop ends when it returns 0.
	Remaining func(i int) string
	// RemainingUnit names what Remaining counts, for progress.
	RemainingUnit string
	// Start returns the count before round 1.
	Start string
	// Monotone: the count may never grow from one round to the next.
	Monotone bool
	// MaxRounds bounds the loop given the starting count; past it the run fails.
	MaxRounds func(start int64) int
	// Finish returns the statements that run once the loop has taken `rounds` rounds.
	Finish func(rounds int) []Statement
}

// Plan is the SQL of one run.
type Plan struct {
	Project   string
	Dialect   dialects.Dialect
	Algorithm Algorithm
	Stages    []Stage
	// SourceRows returns, per source name, the query counting the rows read.
	SourceRows map[string]string
	// Stats returns nodes, edges, components and the largest component's size.
	Stats string
	// QuarantineCounts returns (reason, count) rows for the quarantine being published.
	QuarantineCounts string
	// ComponentsChanged counts the profiles the run writes: all of them in a full run.
	ComponentsChanged string
	// Controls are queries of (name, count) rows telling what the run did with the overrides and
	// forget requests, read with the other measures.
	Controls []string
	// Reads says which of the tables people write to between runs the run reads.
	Reads Controls
	// Erases: the run forgets values, and the work schema, which holds copies of what it read,
	// is emptied after publishing.
	Erases bool
	// Mode is full or incremental.
	Mode string
	// Append, on an incremental plan, is the append-only plan of the same run (stage_append.go):
	// the runner goes on with it after the extract stage when AppendProbe counts 0. Up to the
	// extract, its stages are this plan's.
	Append      *Plan
	AppendProbe string
	// Rechecks, on an append-only plan, count what sends the batch back to the regions (a hub
	// decision flipped, a limit broken), each after the stage of its kind; when one is not 0, the
	// runner goes on with the incremental plan after its extract.
	Rechecks []Recheck
	// read names, per source with a timestamp, the table of the rows the run read, which
	// Planner.FutureRows counts in.
	read map[string]string
}

// Planner builds plans for one project and dialect.
type Planner struct {
	Project   *config.Project
	Dialect   dialects.Dialect
	Algorithm Algorithm
	// LookupIndexes adds a stage after publishing that indexes the outputs for point lookups
	// (the HTTP API); it costs a few seconds per million identifiers.
	LookupIndexes bool
	names         names
	// normalizeQueries memoizes NormalizeQuery by id type: lookups ask for it on every request.
	normalizeQueries sync.Map
	normalizeCalls   atomic.Int64
	// inProcess is NormalizeInProcess's rules by id type, compiled once.
	inProcessOnce sync.Once
	inProcess     map[string]*inProcessRule
}

// New returns a planner. algorithm may be empty (contraction).
func New(p *config.Project, d dialects.Dialect, algorithm Algorithm) (*Planner, error) {
	switch algorithm {
	case "":
		algorithm = Contraction
	case Contraction, LabelPropagation:
	default:
		return nil, fmt.Errorf("unknown algorithm %q; use contraction or labelprop", algorithm)
	}
	// A pattern the warehouse cannot read is an error now, naming its key, not SQL that fails
	// or matches differently later.
	for i, t := range p.IDTypes {
		for _, k := range []struct{ key, re string }{{"pattern", t.Pattern}, {"block_pattern", t.BlockPattern}} {
			if k.re == "" {
				continue
			}
			if _, err := d.Pattern(k.re); err != nil {
				return nil, fmt.Errorf("%s: id_types[%d].%s: %q cannot be written for %s: %v", p.File, i, k.key, k.re, d.Name(), err)
			}
		}
	}
	return &Planner{Project: p, Dialect: d, Algorithm: algorithm, names: newNames(p, d, nil)}, nil
}

// Renderer renders the statement templates for the planner's project and dialect; packages that
// read the published tables share it (it keeps the statements that read no data once rendered).
func (pl *Planner) Renderer() *render.Renderer { return pl.names.r }

// SourceTable renders a source's table name.
func (pl *Planner) SourceTable(s config.Source) string {
	return pl.Dialect.Table(s.Schema(), s.TableName())
}

// OutputTable renders the name of a published table.
func (pl *Planner) OutputTable(name string) string { return pl.names.out(name) }

// names renders the names of a project's tables: published, state and work tables.
type names struct {
	d                  dialects.Dialect
	output, work, stat string
	// elsewhere maps work table names to tables that a plan keeps outside the work schema:
	// a full run extracts each source straight into the state it leaves for incremental runs.
	elsewhere map[string]string
	r         *render.Renderer
}

func newNames(p *config.Project, d dialects.Dialect, elsewhere map[string]string) names {
	n := names{d: d, output: p.Output.Schema, work: p.Output.WorkSchema, stat: p.Output.StateSchema, elsewhere: elsewhere}
	n.r = render.New(d, p.Output.Schema, n.workTable)
	return n
}

func (n names) workTable(name string) string {
	if t, ok := n.elsewhere[name]; ok {
		return t
	}
	return n.d.WorkTable(n.work, name)
}

func (n names) out(name string) string  { return n.d.Table(n.output, name) }
func (n names) next(name string) string { return n.d.Table(n.output, name+render.NextSuffix) }
func (n names) state(name string) string {
	return n.d.Table(n.stat, name)
}
func (n names) stateNext(name string) string {
	return n.d.Table(n.stat, name+render.NextSuffix)
}

// Recheck is a count that must be 0 once the stage of kind After has run; Why says what it
// found when it is not.
type Recheck struct {
	After      Kind
	Query, Why string
}
