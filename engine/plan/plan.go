// Package plan turns a project and a dialect into the SQL of a run: named stages of statements,
// with the contraction rounds as a loop whose length the runner discovers. Planning does no I/O,
// so a plan can be printed and golden-tested for every warehouse without one.
package plan

import (
	"fmt"
	"math"
	"strings"
	"text/template"

	"github.com/idstitch/idstitch/dialects"
	"github.com/idstitch/idstitch/engine/config"
	idsql "github.com/idstitch/idstitch/sql"
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
)

// Published lists the tables swapped in together at publish time.
var Published = []string{IDGraph, Profiles, IDEdges, IDQuarantine, AudienceMembers}

// runsAdded are the columns of runs added after its first version; setup adds them to a runs
// table written by an older version.
var runsAdded = []struct {
	name string
	typ  dialects.Type
}{{"quarantined", dialects.Text}, {"rows_by_source", dialects.Text}, {"watermarks", dialects.Text}, {"components_changed", dialects.Int64}}

// nextSuffix marks a table built for publishing but not yet swapped in.
const nextSuffix = "__next"

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
}

// Stage is a named step of a run.
type Stage struct {
	Name       string
	Note       string
	Statements []Statement
	// Atomic stages run in one transaction.
	Atomic bool
	// Publish marks the stage that swaps the outputs in; the run is recorded as a success with it.
	Publish bool
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

// Plan is the SQL of one full run.
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
	// Mode is full or incremental.
	Mode string
}

// Planner builds plans for one project and dialect.
type Planner struct {
	Project   *config.Project
	Dialect   dialects.Dialect
	Algorithm Algorithm
	// LookupIndexes adds a stage after publishing that indexes the outputs for point lookups
	// (the HTTP API); it costs a few seconds per million identifiers.
	LookupIndexes bool
	funcs         template.FuncMap
	// elsewhere maps work table names to tables that a plan keeps outside the work schema:
	// a full run extracts each source straight into the state it leaves for incremental runs.
	elsewhere map[string]string
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
	pl := &Planner{Project: p, Dialect: d, Algorithm: algorithm}
	pl.funcs = pl.templateFuncs()
	return pl, nil
}

func (pl *Planner) templateFuncs() template.FuncMap {
	d := pl.Dialect
	o := pl.Project.Output
	types := map[string]dialects.Type{"text": dialects.Text, "int64": dialects.Int64, "float64": dialects.Float64, "timestamp": dialects.Timestamp, "bool": dialects.Bool}
	return template.FuncMap{
		"q":    d.QuoteIdent,
		"str":  d.String,
		"work": pl.work,
		"out":  func(name string) string { return d.Table(o.Schema, name) },
		"next": func(name string) string { return d.Table(o.Schema, name+nextSuffix) },
		"hash64": func(exprs ...any) string {
			parts := make([]string, len(exprs))
			for i, e := range exprs {
				parts[i] = fmt.Sprint(e)
			}
			return d.Hash64(parts...)
		},
		"priority":  d.Priority,
		"now":       d.Now,
		"ph":        d.Placeholder,
		"bytewise":  d.Bytewise,
		"md5":       d.MD5Hex,
		"concat":    func(exprs ...string) string { return d.Concat(exprs...) },
		"minby":     d.MinBy,
		"stringagg": d.StringAgg,
		"cast":      func(expr, t string) string { return d.Cast(expr, types[t]) },
		"typ":       func(t string) string { return d.Type(types[t]) },
	}
}

func (pl *Planner) render(name string, data any) string {
	s, err := idsql.Render(pl.Dialect.Name(), name, pl.funcs, data)
	if err != nil {
		// Templates are compiled into the binary; a failure here is a bug, not a user error.
		panic(err)
	}
	return s
}

func (pl *Planner) work(name string) string {
	if t, ok := pl.elsewhere[name]; ok {
		return t
	}
	return pl.Dialect.WorkTable(pl.Project.Output.WorkSchema, name)
}

func (pl *Planner) out(name string) string {
	return pl.Dialect.Table(pl.Project.Output.Schema, name)
}

// create makes a scratch table in the work schema from a template.
func (pl *Planner) create(table, name string, data any, note string) Statement {
	return Statement{Note: note, SQL: pl.Dialect.CreateTableAs(table, pl.render(name, data), true)}
}

// createOutput makes a table that will be published: it must be as durable as any table.
func (pl *Planner) createOutput(table, name string, data any, note string) Statement {
	return Statement{Note: note, SQL: pl.Dialect.CreateTableAs(table, pl.render(name, data), false)}
}

// slot is one column of one source that holds one id type.
type slot struct {
	N          int
	Type       string
	Rank       int
	Expr       string
	Normalized string  // the normalizers applied to the raw value r<N>
	Checks     []check // conditions over v<N> that quarantine a value
	MaxDegree  int
	Table      string // the source's extract table in the work schema
	Source     string
	First      string // the COALESCE of the source's node ids: the row's first identifier
}

// slots orders a source's id columns by type priority, then column order, so that a row's first
// identifier (the centre of its star of links) is its highest-priority one.
func (pl *Planner) slots(s config.Source) []slot {
	var out []slot
	for _, t := range pl.Project.IDTypes {
		for _, col := range s.IDs {
			if col.Type != t.Name {
				continue
			}
			for _, c := range col.Columns {
				expr := c
				if config.IsColumn(c) {
					expr = pl.Dialect.QuoteIdent(c)
				} else {
					expr = "(" + c + ")"
				}
				n := len(out) + 1
				sl := slot{N: n, Type: t.Name, Rank: pl.Project.TypeRank(t.Name), Expr: expr, Table: "src_" + s.Name, Source: s.Name,
					Normalized: pl.normalize(t, fmt.Sprintf("r%d", n)), Checks: pl.checks(t, fmt.Sprintf("v%d", n))}
				if t.MaxDegree != nil {
					sl.MaxDegree = *t.MaxDegree
				}
				out = append(out, sl)
			}
		}
	}
	var ns []string
	for _, sl := range out {
		ns = append(ns, fmt.Sprintf("n%d", sl.N))
	}
	first := "COALESCE(" + strings.Join(ns, ", ") + ")"
	if len(ns) == 1 {
		first = ns[0]
	}
	for i := range out {
		out[i].First = first
	}
	return out
}

// ExtractQuery is the SELECT that extract runs for a source: its identifiers normalized and
// checked. Validation runs it with LIMIT 0 to find a broken user expression before a run.
func (pl *Planner) ExtractQuery(s config.Source) string {
	return pl.extract(s, "")
}

// extract renders the extraction of a source; window, when set, is a condition on its
// timestamp column (as window gives it) that limits the rows read.
func (pl *Planner) extract(s config.Source, window string) string {
	ts := ""
	if s.Timestamp != "" {
		ts = pl.Dialect.QuoteIdent(s.Timestamp)
	}
	return pl.render("extract", map[string]any{"Slots": pl.slots(s), "Traits": pl.traitInputs(s), "TS": ts, "Table": pl.SourceTable(s), "Filter": s.Filter, "Window": window, "Stored": ""})
}

// traitInput is one trait's value and flag, computed per row of its source at extraction.
type traitInput struct {
	N           int
	Name        string
	Value, Flag string // SQL over the source's columns
	Agg         string // the aggregate over the source's rows, per profile
	Zero        bool   // a profile without rows has 0, not NULL
}

// traitInputs lists the traits computed from a source. Each row carries t<N>, the value to
// aggregate, and f<N>, 1 when the row counts for the trait (its filter holds, within its window).
func (pl *Planner) traitInputs(s config.Source) []traitInput {
	d := pl.Dialect
	var out []traitInput
	for _, t := range pl.Project.Traits {
		if t.Source != s.Name {
			continue
		}
		in := traitInput{N: len(out) + 1, Name: t.Name, Value: d.Cast("NULL", dialects.Int64)}
		if t.Expr != "" {
			in.Value = "(" + t.Expr + ")"
			if config.IsColumn(t.Expr) {
				in.Value = d.QuoteIdent(t.Expr)
			}
		}
		var conds []string
		if t.Filter != "" {
			conds = append(conds, "("+t.Filter+")")
		}
		if t.WindowDays > 0 {
			conds = append(conds, d.Cast(d.QuoteIdent(s.Timestamp), dialects.Timestamp)+" >= "+d.DaysAgo(t.WindowDays))
		}
		in.Flag = "1"
		if len(conds) > 0 {
			in.Flag = "CASE WHEN " + strings.Join(conds, " AND ") + " THEN 1 ELSE 0 END"
		}
		v, f := fmt.Sprintf("t%d", in.N), fmt.Sprintf("f%d = 1", in.N)
		switch t.Agg {
		case "count":
			in.Agg, in.Zero = "COUNT(CASE WHEN "+f+" THEN 1 END)", true
		case "count_distinct":
			in.Agg, in.Zero = "COUNT(DISTINCT CASE WHEN "+f+" THEN "+v+" END)", true
		case "first", "latest":
			in.Agg = d.FirstBy(v, "ts", f, t.Agg == "latest")
		default:
			in.Agg = strings.ToUpper(t.Agg) + "(CASE WHEN " + f + " THEN " + v + " END)"
		}
		out = append(out, in)
	}
	return out
}

// NormalizeQuery returns a query that normalizes and checks one value of an id type, given as
// bind parameter 1, the way a run does: it returns the normalized value (NULL when empty) and
// the reason it would be quarantined (NULL when it would not). ok is false for an unknown type.
func (pl *Planner) NormalizeQuery(idType string) (query string, ok bool) {
	for _, t := range pl.Project.IDTypes {
		if t.Name != idType {
			continue
		}
		reason := pl.Dialect.Cast("NULL", dialects.Text)
		if checks := pl.checks(t, "v"); len(checks) > 0 {
			reason = "CASE WHEN v IS NULL THEN NULL"
			for _, c := range checks {
				reason += " WHEN " + c.Cond + " THEN " + pl.Dialect.String(c.Reason)
			}
			reason += " END"
		}
		return fmt.Sprintf("SELECT v, %s FROM (SELECT NULLIF(%s, '') AS v FROM (SELECT %s AS r) r) n",
			reason, pl.normalize(t, "r"), pl.Dialect.Cast(pl.Dialect.Placeholder(1), dialects.Text)), true
	}
	return "", false
}

// Lease statements: a row per project in the output schema that at most one process holds at a
// time, so that two servers never run one project at once. Times are bound as parameters (1: the
// new expiry, 2: now) so that every warehouse compares them the same way.
func (pl *Planner) Lease(holder string) (create, seed, take, release string) {
	data := map[string]any{"Project": pl.Project.Project, "Holder": holder}
	return pl.render("lease_create", nil), pl.render("lease_seed", data), pl.render("lease_take", data), pl.render("lease_release", data)
}

// StaleViews returns the statements dropping stitched views of sources the project no longer
// has, given the names of the views in the output schema: they read id_graph, and a warehouse
// that binds views to tables (Postgres) would refuse to replace it under them.
func (pl *Planner) StaleViews(views []string) []Statement {
	current := map[string]bool{}
	for _, s := range pl.Project.Sources {
		current[strings.ToLower(s.Name+"_stitched")] = true
	}
	var out []Statement
	for _, v := range views {
		if strings.HasSuffix(strings.ToLower(v), "_stitched") && !current[strings.ToLower(v)] {
			out = append(out, Statement{SQL: pl.Dialect.DropView(pl.Dialect.Table(pl.Project.Output.Schema, v))})
		}
	}
	return out
}

// OutputTable renders the name of a published table.
func (pl *Planner) OutputTable(name string) string { return pl.out(name) }

// stitchedView is the query of a source's stitched view: every row of the source, with the
// universal id of its first identifier in id_graph, each value normalized as a run normalizes it.
func (pl *Planner) stitchedView(s config.Source) string {
	type viewSlot struct {
		N           int
		Type, Value string
	}
	var slots []viewSlot
	for _, sl := range pl.slots(s) {
		expr := sl.Expr
		if config.IsColumn(strings.Trim(expr, "\"`")) && !strings.HasPrefix(expr, "(") {
			expr = "s." + expr // a plain column: qualified, as id_graph has columns too
		}
		raw := "NULLIF(" + pl.Dialect.Cast(expr, dialects.Text) + ", '')"
		t := pl.Project.IDTypes[sl.Rank]
		slots = append(slots, viewSlot{N: sl.N, Type: sl.Type, Value: "NULLIF(" + pl.normalize(t, raw) + ", '')"})
	}
	return pl.render("stitched_view", map[string]any{"Table": pl.SourceTable(s), "Slots": slots})
}

// SourceTable renders a source's table name.
func (pl *Planner) SourceTable(s config.Source) string {
	return pl.Dialect.Table(s.Schema(), s.TableName())
}

// pair is an ordered pair of slots of one source, for counting an identifier's partners.
type pair struct {
	I, J, MaxDegree int
	Table           string
}

// Setup is the first stage of every plan: the schemas and the tables that outlive runs. It does
// not depend on the run id, which the runs table it creates gives.
func (pl *Planner) Setup() Stage {
	d, p := pl.Dialect, pl.Project
	setup := Stage{Name: "setup", Note: "schemas and the run history table"}
	setup.Statements = append(setup.Statements,
		Statement{SQL: d.CreateSchema(p.Output.Schema)},
		Statement{SQL: d.CreateWorkSchema(p.Output.WorkSchema)},
		Statement{SQL: pl.render("runs_create", nil)},
	)
	for _, col := range runsAdded {
		setup.Statements = append(setup.Statements, Statement{SQL: d.AddColumn(pl.out(Runs), col.name, col.typ)})
	}
	setup.Statements = append(setup.Statements,
		Statement{SQL: pl.render("audience_tables", nil), Note: "the published members, read for when each entered"},
		Statement{SQL: pl.render("audience_history_create", nil), Note: "every entry into and exit from an audience, across runs"},
		Statement{SQL: pl.render("id_graph_create", nil), Note: "an empty mapping before the first run, so that every run can compare with the last"},
		Statement{SQL: pl.render("id_changes_create", nil), Note: "every change of universal ids, across runs"},
		Statement{SQL: d.CreateSchema(p.Output.StateSchema)},
		Statement{SQL: pl.render("state_create", map[string]any{"Table": pl.state(stateMeta), "Columns": stateColumns[stateMeta]}), Note: "what the stored state was built from"},
	)
	return setup
}

// Plan builds the plan of a full run. runID is written into the rows the run publishes (0 in a
// compiled script).
func (pl *Planner) Plan(runID int64) (*Plan, error) { return pl.build(runID, nil) }

// PlanIncremental builds the plan of an incremental run on top of the state the last run left.
// It reads each source from its watermark less the lookback, finds the rows that are new or
// changed, and recomputes only the regions (components before limits and policies) those rows
// touch, together with every region that a hub decision they change affects. The rest of the
// published tables stays as it is.
func (pl *Planner) PlanIncremental(runID int64, prior Prior) (*Plan, error) {
	return pl.build(runID, &prior)
}

func (pl *Planner) build(runID int64, prior *Prior) (*Plan, error) {
	p := pl.Project
	d := pl.Dialect
	inc := prior != nil
	pl.elsewhere = map[string]string{}
	if !inc {
		for _, s := range p.Sources {
			pl.elsewhere["src_"+s.Name] = pl.stateNext(stateRows + s.Name)
		}
		pl.elsewhere["regions_new"] = pl.stateNext(stateRegions)
		pl.elsewhere["old_map"] = pl.out(IDGraph)
	}
	plan := &Plan{Project: p.Project, Dialect: d, Algorithm: pl.Algorithm, SourceRows: map[string]string{}, Mode: ModeFull}
	if inc {
		plan.Mode = ModeIncremental
	}

	plan.Stages = append(plan.Stages, pl.Setup())

	extract := Stage{Name: "extract", Note: "per source: each row's identifiers, normalized and checked, with their node ids"}
	if inc {
		extract.Note = "per source: the rows from the watermark less the lookback, and which of them are new or changed"
	}
	var allSlots, checked, links []slot
	var pairs []pair
	bySource := map[string][]slot{}
	windows := map[string]string{}
	for _, s := range p.Sources {
		slots := pl.slots(s)
		bySource[s.Name] = slots
		if inc {
			w := pl.window(s, prior)
			if prior.Rules.Checks {
				// Every stored row was checked again: all of them are compared.
				w = ""
			}
			windows[s.Name] = w
			stored := pl.state(stateRows + s.Name)
			sw := w
			if sw == "" {
				sw = "1 = 1"
			}
			extract.Statements = append(extract.Statements,
				Statement{Note: "source " + s.Name + " (" + s.Table + "): the rows read again", SQL: d.CreateTableAs(pl.work("win_"+s.Name), pl.hashedExtract(s, prior), true)},
				pl.create(pl.work("changed_"+s.Name), "inc_changed", map[string]any{"New": "win_" + s.Name, "Stored": stored, "Window": sw}, "rows whose count differs from the stored ones"),
				Statement{SQL: d.CreateTableAs(pl.work("ins_"+s.Name), "SELECT * FROM "+pl.work("win_"+s.Name)+" WHERE row_hash IN (SELECT row_hash FROM "+pl.work("changed_"+s.Name)+")", true)},
				// Usually none: rows are added, seldom changed. Keeping this set apart keeps the
				// tests against the stored rows cheap.
				Statement{Note: "the stored rows that this run replaces", SQL: d.CreateTableAs(pl.work("gone_"+s.Name), "SELECT row_hash FROM "+pl.work("changed_"+s.Name)+" WHERE stored = 1", true)},
				Statement{Note: "their identifiers", SQL: d.CreateTableAs(pl.work("del_"+s.Name), "SELECT "+nodeColumns(slots, true)+", "+checkColumns(slots)+" FROM "+stored+" WHERE "+sw+" AND row_hash IN (SELECT row_hash FROM "+pl.work("gone_"+s.Name)+")", true)},
			)
			plan.SourceRows[s.Name] = "SELECT COUNT(*) FROM " + pl.work("win_"+s.Name)
		} else {
			// Straight into the state that incremental runs build on: a copy made later would
			// cost a second write of every row. (Sorting it by time would let a later run find
			// its window by zone maps, but costs more than it saves.)
			extract.Statements = append(extract.Statements, Statement{Note: "source " + s.Name + " (" + s.Table + "), kept as the rows read so far",
				SQL: d.CreateTableAs(pl.work("src_"+s.Name), pl.hashedExtract(s, nil), false)})
			plan.SourceRows[s.Name] = "SELECT COUNT(*) FROM " + pl.work("src_"+s.Name)
		}
		allSlots = append(allSlots, slots...)
		for _, sl := range slots {
			if len(sl.Checks) > 0 {
				checked = append(checked, sl)
			}
			if sl.MaxDegree > 0 {
				for _, other := range slots {
					if other.N != sl.N {
						pairs = append(pairs, pair{I: sl.N, J: other.N, MaxDegree: sl.MaxDegree, Table: sl.Table})
					}
				}
			}
		}
	}
	plan.Stages = append(plan.Stages, extract)
	hubs := len(pairs) > 0
	if inc {
		plan.Stages = append(plan.Stages, pl.region(bySource, pairs, windows, prior.Rules))
	}

	var types []string
	for _, t := range p.IDTypes {
		types = append(types, t.Name)
	}
	nodesStmt := pl.create(pl.work("nodes"), "nodes", map[string]any{"Slots": allSlots}, "")
	if inc {
		nodesStmt = pl.create(pl.work("nodes"), "nodes_named", map[string]any{"Slots": allSlots}, "values from the published identifiers, the changed rows and the hubs")
	}
	nodes := Stage{Name: "nodes", Note: "distinct (id_type, value) with a 64-bit node id", Statements: []Statement{
		nodesStmt,
		{Note: "two distinct identifiers must never share a node id", SQL: pl.render("node_collisions", nil),
			Check: "two different identifiers hashed to the same 64-bit node id; the run stopped so that they are not merged (report this as a bug with the warehouse type)"},
	}}
	if inc {
		nodes.Statements = append(nodes.Statements, Statement{Note: "every identifier of the recomputed regions has its value",
			SQL:   "SELECT COUNT(*) FROM " + pl.work("nodes") + " WHERE id_value IS NULL",
			Check: "an identifier of the recomputed regions has no stored value, so the stored state is not what this version expects; run `idstitch run --full` (and report this as a bug)"})
	}
	plan.Stages = append(plan.Stages, nodes)

	// Guards that act on single values and on an identifier's partners come before the links,
	// so that a quarantined identifier never links anything.
	var quarantine []string
	guards := Stage{Name: "guards", Note: "values that are invalid or blocked, and hubs, are kept out of the graph"}
	switch {
	case inc:
		// The region stage has counted the invalid and blocked values and found the hubs over
		// all rows; structural quarantine outside the recomputed regions stays as published.
		quarantine = append(quarantine,
			"SELECT id_type, id_value, reason, evidence FROM "+pl.work("qvalues_new"),
			pl.render("quarantine_kept", map[string]any{"Reasons": []string{ReasonLimitConflict, ReasonAnonymous}}))
		if hubs {
			quarantine = append(quarantine, "SELECT id_type, id_value, "+d.String(ReasonHub)+" AS reason, degree AS evidence FROM "+pl.work("hubs_named"))
		}
	case len(checked) > 0:
		guards.Statements = append(guards.Statements, pl.create(pl.work("quarantine_values"), "quarantine_values", map[string]any{"Slots": checked}, "invalid and blocked values"))
		quarantine = append(quarantine, "SELECT id_type, id_value, reason, evidence FROM "+pl.work("quarantine_values"))
	}
	if hubs {
		if !inc {
			guards.Statements = append(guards.Statements, pl.create(pl.work("hubs"), "hubs", map[string]any{"Pairs": pairs}, "hubs: identifiers seen with more distinct identifiers than their type's max_degree"))
			quarantine = append(quarantine, pl.render("quarantine_nodes", map[string]any{"Table": "hubs", "Reason": ReasonHub, "Evidence": "degree"}))
		}
		for _, s := range p.Sources {
			slots := bySource[s.Name]
			if len(slots) > 1 {
				guards.Statements = append(guards.Statements, pl.create(pl.work("kept_"+s.Name), "kept", map[string]any{"Slots": slots, "Table": "src_" + s.Name}, "source "+s.Name+" without its hubs"))
			}
		}
	}
	if len(guards.Statements) > 0 {
		plan.Stages = append(plan.Stages, guards)
	}

	for _, s := range p.Sources {
		slots := bySource[s.Name]
		// The first slot is never linked *to*: when it holds a value, it is the row's first.
		for _, sl := range slots[1:] {
			if hubs {
				sl.Table = "kept_" + s.Name
			}
			links = append(links, sl)
		}
	}
	plan.Stages = append(plan.Stages, Stage{Name: "edges", Note: "identifiers on one row are linked as a star from the row's first identifier", Statements: []Statement{
		pl.create(pl.work("edges"), "edges", map[string]any{"Links": links}, ""),
	}})

	// Components: of the whole graph, or with policy isolate of the known identifiers only.
	anon := p.AnonymousTypes()
	isolate := p.Isolate() && len(anon) > 0
	start := map[string]any{"Types": []string(nil), "Not": false}
	if isolate {
		start = map[string]any{"Types": anon, "Not": true}
	}
	plan.Stages = append(plan.Stages, pl.components("components", "cc", pl.render("graph_start", start), "labels"))

	groups := ""
	var limited []config.IDType
	for _, t := range p.IDTypes {
		if t.Limit != nil && !(isolate && t.Anonymous) {
			limited = append(limited, t)
		}
	}
	if len(limited) > 0 || isolate {
		groups = "groups_0"
		last := &plan.Stages[len(plan.Stages)-1]
		last.After = append(last.After, pl.create(pl.work(groups), "groups", map[string]any{"Labels": "labels", "Hubs": hubs, "Types": start["Types"], "Not": start["Not"]}, "the partition that the limits and policies below refine"))
	}
	for i, t := range limited {
		next := fmt.Sprintf("groups_%d", i+1)
		plan.Stages = append(plan.Stages, pl.limit(t, groups, next))
		if p.Policy.LimitTies == "isolate" {
			quarantine = append(quarantine, pl.render("quarantine_nodes", map[string]any{"Table": "conflicts_" + t.Name, "Reason": ReasonLimitConflict, "Evidence": "anchors"}))
		}
		groups = next
	}
	if isolate {
		st := pl.components("anonymous", "ac", pl.render("graph_start", map[string]any{"Types": anon, "Not": false}), "anon_labels")
		st.Note = "policy isolate: clusters of anonymous identifiers join the one known profile they touch, or none"
		st.After = append(st.After,
			pl.create(pl.work("anon_clusters"), "anon_clusters", map[string]any{"Labels": "anon_labels", "Types": anon, "Hubs": hubs}, "clusters of linked anonymous identifiers"),
			pl.create(pl.work("anon_touch"), "anon_touch", map[string]any{"Groups": groups}, "the known profiles each cluster touches"),
			pl.create(pl.work("anon_isolated"), "anon_isolated", nil, "clusters touching more than one known profile join none"),
			pl.create(pl.work("groups_final"), "anon_groups", map[string]any{"Groups": groups}, ""),
		)
		quarantine = append(quarantine, pl.render("quarantine_nodes", map[string]any{"Table": "anon_isolated", "Reason": ReasonAnonymous, "Evidence": "profiles"}))
		plan.Stages = append(plan.Stages, st)
		groups = "groups_final"
	}

	// A full run builds the regions in place in the state: a table that must last.
	regionsStmt := pl.create
	if !inc {
		regionsStmt = pl.createOutput
	}
	// A region is a component of all links: what a later incremental run recomputes as a whole.
	// Without policy isolate the components above are the regions.
	regionLabels := "labels"
	if isolate {
		st := pl.components("regions", "rc", pl.render("graph_start", map[string]any{"Types": []string(nil)}), "region_labels")
		st.Note = "regions: components of all links, the unit that incremental runs recompute"
		plan.Stages = append(plan.Stages, st)
		regionLabels = "region_labels"
	}

	plan.Stages = append(plan.Stages, Stage{Name: "ids", Note: "one universal id per profile, from its anchor identifier", Statements: []Statement{
		pl.create(pl.work("assign"), "assign", map[string]any{"Groups": groups, "Hubs": hubs}, "every identifier in the graph with its profile"),
		pl.create(pl.work("anchors"), "anchors", map[string]any{"Salt": p.Output.IDSalt}, "anchor: earliest first_seen, then type priority, then value"),
		pl.create(pl.work("graph"), "graph", nil, "every identifier with its universal id"),
		regionsStmt(pl.work("regions_new"), "regions", map[string]any{"Labels": regionLabels, "Hubs": hubs}, "every identifier's region, quarantined ones too"),
	}})
	// Traits: each row of a source belongs to the profile of its first identifier in the graph.
	type traitCol struct {
		traitInput
		Table string
	}
	type join struct{ Table, Alias string }
	var traitCols []traitCol
	var joins []join
	traits := Stage{Name: "traits", Note: "profile columns computed from the sources' rows"}
	for i, s := range p.Sources {
		ins := pl.traitInputs(s)
		if len(ins) == 0 {
			continue
		}
		rows, aggs := "trait_rows_"+s.Name, "traits_"+s.Name
		traits.Statements = append(traits.Statements,
			pl.create(pl.work(rows), "trait_rows", map[string]any{"Src": "src_" + s.Name, "Slots": bySource[s.Name], "Traits": ins}, "rows of "+s.Name+" with their profile"),
			pl.create(pl.work(aggs), "trait_aggs", map[string]any{"Rows": rows, "Traits": ins}, ""))
		alias := fmt.Sprintf("t%d", i+1)
		joins = append(joins, join{Table: aggs, Alias: alias})
		for _, in := range ins {
			traitCols = append(traitCols, traitCol{traitInput: in, Table: alias})
		}
	}
	if len(traits.Statements) > 0 {
		plan.Stages = append(plan.Stages, traits)
	}

	next := func(name string) string { return d.Table(p.Output.Schema, name+nextSuffix) }
	outputs := Stage{Name: "outputs", Note: "output tables, built beside the published ones"}
	if inc {
		// An identifier whose hub decision flipped because a max_degree changed is not always
		// on a recomputed row (when all its partners are hubs too); its published rows go all
		// the same.
		flipped := ""
		if hubs && prior.Rules.Degrees {
			flipped = " UNION ALL SELECT node_id, id_type, id_value FROM " + pl.work("decided") + " WHERE node_id IN (SELECT node_id FROM " + pl.work("flips") + ")"
		}
		outputs.Note = "the recomputed regions' rows of the output tables, and what changed"
		var touchedIn []slot
		for _, s := range p.Sources {
			for _, sl := range bySource[s.Name] {
				sl.Table = "touched"
				touchedIn = append(touchedIn, sl)
			}
		}
		outputs.Statements = append(outputs.Statements,
			Statement{Note: "every identifier whose published rows are replaced", SQL: d.CreateTableAs(pl.work("redo"),
				"SELECT DISTINCT node_id, id_type, id_value FROM (SELECT node_id, id_type, id_value FROM "+pl.work("nodes")+" UNION ALL SELECT node_id, id_type, id_value FROM "+pl.work("touched")+flipped+") r", true)},
			Statement{Note: "their published universal ids", SQL: d.CreateTableAs(pl.work("old_map"),
				"SELECT node_id, universal_id FROM "+pl.out(IDGraph)+" WHERE node_id IN (SELECT node_id FROM "+pl.work("redo")+")", true)},
			Statement{SQL: d.CreateTableAs(pl.work("redo_ids"),
				"SELECT DISTINCT universal_id FROM (SELECT universal_id FROM "+pl.work("old_map")+" UNION ALL SELECT universal_id FROM "+pl.work("graph")+") u", true)},
		)
	} else {
		outputs.Statements = append(outputs.Statements, pl.createOutput(next(IDGraph), "id_graph", nil, ""))
	}
	outputs.Statements = append(outputs.Statements, pl.create(pl.work("changes"), "changes", nil, "universal ids that are new, merged, split or quarantined since the last run"))
	profilesTable := next(Profiles)
	edgesTable := next(IDEdges)
	mk := pl.createOutput
	if inc {
		profilesTable, edgesTable, mk = pl.work("profiles_region"), pl.work("edges_region"), pl.create
	}
	if len(traitCols) > 0 || len(p.Audiences) > 0 {
		outputs.Statements = append(outputs.Statements,
			pl.create(pl.work("profiles_base"), "profiles", map[string]any{"Types": types}, ""),
			mk(profilesTable, "profiles_final", map[string]any{"Traits": traitCols, "Joins": joins, "Audiences": p.Audiences}, "profiles with their traits and audience flags"))
	} else {
		outputs.Statements = append(outputs.Statements, mk(profilesTable, "profiles", map[string]any{"Types": types}, ""))
	}
	keep := ""
	if inc {
		keep = "redo_ids"
	}
	outputs.Statements = append(outputs.Statements,
		mk(edgesTable, "id_edges", nil, ""),
		pl.createOutput(next(IDQuarantine), "id_quarantine", map[string]any{"Parts": quarantine, "RunID": runID}, "what was kept out of the graph, and why"),
		pl.createOutput(next(AudienceMembers), "audience_members", map[string]any{"Audiences": p.Audiences, "Profiles": profilesTable, "Keep": keep}, "audience members; those already in keep the time they entered"),
	)
	if !inc {
		// The rest of the state a later incremental run builds on (the rows and regions are
		// built in place), swapped in with the outputs.
		hubsQ, qvQ := pl.empty(stateHubs), pl.empty(stateQValues)
		if hubs {
			hubsQ = "SELECT h.node_id, h.degree, n.id_type, n.id_value FROM " + pl.work("hubs") + " h JOIN " + pl.work("nodes") + " n ON h.node_id = n.node_id"
		}
		if len(checked) > 0 {
			qvQ = "SELECT id_type, id_value, reason, evidence FROM " + pl.work("quarantine_values")
		}
		outputs.Statements = append(outputs.Statements,
			Statement{SQL: d.CreateTableAs(pl.stateNext(stateHubs), hubsQ, false)},
			Statement{SQL: d.CreateTableAs(pl.stateNext(stateQValues), qvQ, false)},
		)
	}
	plan.Stages = append(plan.Stages, outputs)
	plan.Stats = pl.render("stats", nil)
	if inc {
		plan.Stats = pl.render("stats_incremental", nil)
	}
	plan.QuarantineCounts = pl.render("quarantine_counts", nil)
	plan.ComponentsChanged = "SELECT COUNT(DISTINCT universal_id) FROM " + pl.work("graph")

	publish := Stage{Name: "publish", Note: "swap the new tables in, all together", Publish: true, Atomic: d.Supports(dialects.TransactionalDDL)}
	if !publish.Atomic {
		publish.Note = "swap the new tables in, each atomically (this warehouse has no transactions over DDL)"
	}
	if inc {
		publish.Note = "replace the recomputed regions' rows and update the state, all together"
		publish.Statements = append(publish.Statements, pl.incrementalPublish(bySource, windows, hubs, runID)...)
	} else {
		// Stitched views read id_graph: they are dropped before it is swapped (Postgres refuses
		// to drop a table a view depends on) and made again right after, in the same transaction.
		var views []Statement
		for _, s := range p.Sources {
			view := pl.out(s.Name + "_stitched")
			publish.Statements = append(publish.Statements, Statement{SQL: d.DropView(view)})
			views = append(views, Statement{Note: "source " + s.Name + " with the universal id of each row", SQL: d.CreateView(view, pl.stitchedView(s))})
		}
		// The history compares the new members with the open entries, before the swap.
		publish.Statements = append(publish.Statements,
			Statement{SQL: pl.render("audience_exits", nil)},
			Statement{SQL: pl.render("audience_entries", map[string]any{"RunID": runID})},
		)
		for _, t := range Published {
			for _, q := range d.Publish(next(t), pl.out(t), t) {
				publish.Statements = append(publish.Statements, Statement{SQL: q})
			}
		}
		publish.Statements = append(publish.Statements, views...)
		for _, t := range pl.stateTables() {
			for _, q := range d.Publish(pl.stateNext(t), pl.state(t), t) {
				publish.Statements = append(publish.Statements, Statement{SQL: q})
			}
		}
		publish.Statements = append(publish.Statements, pl.metaStatements()...)
		publish.Statements = append(publish.Statements, pl.idChangesInsert(runID))
	}
	plan.Stages = append(plan.Stages, publish)
	if pl.LookupIndexes {
		st := Stage{Name: "indexes", Note: "indexes for lookups by identifier and by universal id"}
		// One column each: DuckDB uses an index only for a filter on a single indexed column.
		for _, ix := range [][3]string{{IDGraph + "_by_value", IDGraph, "id_value"}, {IDGraph + "_by_universal_id", IDGraph, "universal_id"},
			{Profiles + "_by_universal_id", Profiles, "universal_id"}, {IDQuarantine + "_by_value", IDQuarantine, "id_value"}} {
			// Warehouses without indexes return no statement.
			if q := d.CreateIndex(ix[0], pl.out(ix[1]), ix[2]); q != "" {
				st.Statements = append(st.Statements, Statement{SQL: q})
			}
		}
		if len(st.Statements) > 0 {
			plan.Stages = append(plan.Stages, st)
		}
	}
	return plan, nil
}

// components plans connected components of the edges a start query selects, written to the
// labels table as (node_id, component). Tables of the rounds are named with prefix.
func (pl *Planner) components(name, prefix, start, labels string) Stage {
	if pl.Algorithm == LabelPropagation {
		return pl.labelPropagation(name, prefix, start, labels)
	}
	mapName := func(i int) string { return fmt.Sprintf("%s_map_%d", prefix, i) }
	edgesName := func(i int) string { return fmt.Sprintf("%s_edges_%d", prefix, i) }
	repName := func(i int) string { return fmt.Sprintf("%s_rep_%d", prefix, i) }
	st := Stage{Name: name, Note: "connected components by randomised contraction"}
	st.Statements = []Statement{{Note: "round 0: the graph's edges", SQL: pl.Dialect.CreateTableAs(pl.work(edgesName(0)), start, true)}}
	st.Loop = &Loop{
		RemainingUnit: "edges left",
		Start:         "SELECT COUNT(*) FROM " + pl.work(edgesName(0)),
		Monotone:      true,
		// Contraction removes a constant fraction of the nodes per round in expectation; a run
		// past this many rounds means something is wrong, not that the graph is hard.
		MaxRounds: func(n int64) int { return 4*int(math.Ceil(math.Log2(float64(n+2)))) + 20 },
		Round: func(i int) []Statement {
			return []Statement{
				pl.create(pl.work(mapName(i)), "cc_map", map[string]any{"Edges": edgesName(i - 1), "Salt": i},
					fmt.Sprintf("round %d: every node picks the neighbour (or itself) with the smallest hash", i)),
				pl.create(pl.work(edgesName(i)), "cc_edges", map[string]any{"Edges": edgesName(i - 1), "Map": mapName(i)},
					fmt.Sprintf("round %d: rewrite edges onto representatives; drop self-loops", i)),
				{SQL: pl.Dialect.DropTable(pl.work(edgesName(i - 1)))},
			}
		},
		Remaining: func(i int) string { return "SELECT COUNT(*) FROM " + pl.work(edgesName(i)) },
		Finish: func(k int) []Statement {
			if k == 0 {
				return []Statement{
					pl.create(pl.work(labels), "cc_none", map[string]any{"Edges": edgesName(0)}, "no links: every identifier is its own component"),
					{SQL: pl.Dialect.DropTable(pl.work(edgesName(0)))},
				}
			}
			out := []Statement{pl.create(pl.work(repName(k)), "cc_seed", map[string]any{"Map": mapName(k)}, fmt.Sprintf("compose the %d round maps, last to first", k))}
			for i := k - 1; i >= 1; i-- {
				out = append(out,
					pl.create(pl.work(repName(i)), "cc_compose", map[string]any{"Map": mapName(i), "Later": repName(i + 1)}, ""),
					Statement{SQL: pl.Dialect.DropTable(pl.work(repName(i + 1)))},
				)
			}
			out = append(out, pl.create(pl.work(labels), "cc_labels", map[string]any{"Rep": repName(1)}, "label: the smallest node id of the component, whatever the random choices"))
			out = append(out, Statement{SQL: pl.Dialect.DropTable(pl.work(repName(1)))}, Statement{SQL: pl.Dialect.DropTable(pl.work(edgesName(k)))})
			for i := 1; i <= k; i++ {
				out = append(out, Statement{SQL: pl.Dialect.DropTable(pl.work(mapName(i)))})
			}
			return out
		},
	}
	return st
}

// limit plans the split of the groups that hold more than t.Limit identifiers of type t: its
// identifiers there become anchors, and every other identifier joins the nearest anchor by
// breadth-first search inside its group, one ring per round.
func (pl *Planner) limit(t config.IDType, groups, next string) Stage {
	viol := "lim_violating"
	front := func(i int) string { return fmt.Sprintf("lim_front_%d", i) }
	seen := func(i int) string { return fmt.Sprintf("lim_seen_%d", i) }
	isolate := pl.Project.Policy.LimitTies == "isolate"
	st := Stage{Name: "limit_" + t.Name, Note: fmt.Sprintf("at most %d %s per profile: split the profiles that hold more", *t.Limit, t.Name)}
	st.Statements = []Statement{
		pl.create(pl.work(viol), "lim_violating", map[string]any{"Groups": groups, "Type": t.Name, "Limit": *t.Limit}, "profiles over the limit"),
		pl.create(pl.work("lim_edges"), "lim_edges", map[string]any{"Groups": groups, "Violating": viol}, "their links, both ways"),
		pl.create(pl.work(seen(0)), "lim_seed", map[string]any{"Groups": groups, "Type": t.Name, "Violating": viol}, "their identifiers of this type are the anchors"),
		{SQL: pl.Dialect.CreateTableAs(pl.work(front(0)), "SELECT node, anchor, anchors FROM "+pl.work(seen(0)), true)},
	}
	st.Loop = &Loop{
		RemainingUnit: "identifiers reached",
		Start:         "SELECT COUNT(*) FROM " + pl.work(front(0)),
		// Every round reaches at least one identifier or ends the loop.
		MaxRounds: func(int64) int { return math.MaxInt32 },
		Round: func(i int) []Statement {
			return []Statement{
				pl.create(pl.work(front(i)), "lim_front", map[string]any{"Front": front(i - 1), "Seen": seen(i - 1), "Isolate": isolate},
					fmt.Sprintf("ring %d: each identifier next to the last ring joins its best anchor (more rows, then more recent, then anchor value)", i)),
				pl.create(pl.work(seen(i)), "lim_seen", map[string]any{"Seen": seen(i - 1), "Front": front(i)}, ""),
				{SQL: pl.Dialect.DropTable(pl.work(front(i - 1)))},
				{SQL: pl.Dialect.DropTable(pl.work(seen(i - 1)))},
			}
		},
		Remaining: func(i int) string { return "SELECT COUNT(*) FROM " + pl.work(front(i)) },
		Finish: func(k int) []Statement {
			out := []Statement{
				pl.create(pl.work(next), "lim_groups", map[string]any{"Groups": groups, "Seen": seen(k), "Violating": viol}, "the refined partition; identifiers no anchor reached stay together"),
			}
			if isolate {
				out = append(out, pl.create(pl.work("conflicts_"+t.Name), "lim_conflicts", map[string]any{"Seen": seen(k)}, "identifiers equally near several anchors (policy.limit_ties: isolate)"))
			}
			return append(out, Statement{SQL: pl.Dialect.DropTable(pl.work(front(k)))}, Statement{SQL: pl.Dialect.DropTable(pl.work(seen(k)))})
		},
	}
	return st
}

// labelPropagation plans the baseline: every node takes the smallest label among itself and its
// neighbours until nothing changes.
func (pl *Planner) labelPropagation(name, prefix, start, labels string) Stage {
	lp := func(i int) string { return fmt.Sprintf("%s_lp_%d", prefix, i) }
	st := Stage{Name: name, Note: "connected components by label propagation (benchmark baseline)"}
	st.Statements = []Statement{
		{Note: "the graph's edges", SQL: pl.Dialect.CreateTableAs(pl.work(prefix+"_lp_edges"), start, true)},
		pl.create(pl.work(lp(0)), "lp_start", map[string]any{"Edges": prefix + "_lp_edges"}, "every node starts with its own label"),
	}
	st.Loop = &Loop{
		RemainingUnit: "labels changed",
		Start:         "SELECT COUNT(*) FROM " + pl.work(lp(0)),
		// Label propagation needs diameter rounds; the cap only stops runaway baselines.
		MaxRounds: func(n int64) int { return int(n) + 1 },
		Round: func(i int) []Statement {
			s := []Statement{pl.create(pl.work(lp(i)), "lp_round", map[string]any{"Prev": lp(i - 1), "Edges": prefix + "_lp_edges"}, fmt.Sprintf("round %d", i))}
			if i >= 2 {
				s = append(s, Statement{SQL: pl.Dialect.DropTable(pl.work(lp(i - 2)))})
			}
			return s
		},
		Remaining: func(i int) string {
			return pl.render("lp_changed", map[string]any{"Cur": lp(i), "Prev": lp(i - 1)})
		},
		Finish: func(k int) []Statement {
			out := []Statement{pl.create(pl.work(labels), "lp_labels", map[string]any{"Cur": lp(k)}, ""), {SQL: pl.Dialect.DropTable(pl.work(prefix + "_lp_edges"))}}
			for i := max(0, k-1); i <= k; i++ {
				out = append(out, Statement{SQL: pl.Dialect.DropTable(pl.work(lp(i)))})
			}
			return out
		},
	}
	return st
}

// RunStart records a run as running.
func (pl *Planner) RunStart(runID int64, mode string) Statement {
	d := pl.Dialect
	return Statement{SQL: fmt.Sprintf("INSERT INTO %s (run_id, project, started_at, status, mode, algorithm) VALUES (%d, %s, %s, 'running', %s, %s)",
		pl.out(Runs), runID, d.String(pl.Project.Project), d.Now(), d.String(mode), d.String(string(pl.Algorithm)))}
}

// RunsAbandoned marks as failed the runs still recorded as running. Only a warehouse that one
// process at a time can write may use it: there, a run recorded as running while another starts
// was killed before it could record its end.
func (pl *Planner) RunsAbandoned() Statement {
	return Statement{SQL: fmt.Sprintf("UPDATE %s SET status = 'failed', error = %s WHERE status = 'running'",
		pl.out(Runs), pl.Dialect.String("the process running it ended before the run finished (killed, or the machine stopped); nothing it did was published"))}
}

// RunID is the query that gives the next run id.
func (pl *Planner) RunID() string {
	return "SELECT COALESCE(MAX(run_id), 0) + 1 FROM " + pl.out(Runs)
}

// Result is what a run measured, for the runs table.
type Result struct {
	RowsRead, Nodes, Edges, Components, Largest int64
	Rounds                                      int
	StageSeconds                                string
	// Quarantined counts identifiers kept out of the graph, by reason.
	Quarantined map[string]int64
	// RowsBySource and Watermarks are JSON objects keyed by source: the rows read, and the
	// watermark the run read from (null: the whole source).
	RowsBySource, Watermarks string
	// ComponentsChanged counts the profiles the run wrote.
	ComponentsChanged int64
}

// QuarantinedJSON renders the counts per reason, every reason present, for the runs table.
func (r Result) QuarantinedJSON() string {
	var parts []string
	for _, reason := range Reasons {
		parts = append(parts, fmt.Sprintf("%q: %d", reason, r.Quarantined[reason]))
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// RunSucceeded marks a run as done; it belongs in the publish transaction so that the run row
// and the tables change together.
func (pl *Planner) RunSucceeded(runID int64, r Result) Statement {
	return pl.runDone(runID, "success", r)
}

// RunDryRun marks a dry run as done: it computed a result and published nothing.
func (pl *Planner) RunDryRun(runID int64, r Result) Statement {
	return pl.runDone(runID, "dry_run", r)
}

func (pl *Planner) runDone(runID int64, status string, r Result) Statement {
	d := pl.Dialect
	return Statement{SQL: fmt.Sprintf("UPDATE %s SET status = %s, finished_at = %s, rows_read = %d, nodes = %d, edges = %d, components = %d, largest_component = %d, rounds = %d, stage_seconds = %s, quarantined = %s, rows_by_source = %s, watermarks = %s, components_changed = %d WHERE run_id = %d",
		pl.out(Runs), d.String(status), d.Now(), r.RowsRead, r.Nodes, r.Edges, r.Components, r.Largest, r.Rounds, d.String(r.StageSeconds), d.String(r.QuarantinedJSON()),
		d.String(r.RowsBySource), d.String(r.Watermarks), r.ComponentsChanged, runID)}
}

// RunFailed records a failed run with its error.
func (pl *Planner) RunFailed(runID int64, r Result, msg string) Statement {
	return Statement{SQL: fmt.Sprintf("UPDATE %s SET status = 'failed', finished_at = %s, rounds = %d, stage_seconds = %s, error = %s WHERE run_id = %d",
		pl.out(Runs), pl.Dialect.Now(), r.Rounds, pl.Dialect.String(r.StageSeconds), pl.Dialect.String(msg), runID)}
}

// Cleanup drops the tables a failed run may have left beside the published ones.
func (pl *Planner) Cleanup() []Statement {
	var out []Statement
	for _, t := range Published {
		out = append(out, Statement{SQL: pl.Dialect.DropTable(pl.Dialect.Table(pl.Project.Output.Schema, t+nextSuffix))})
	}
	for _, t := range pl.stateTables() {
		out = append(out, Statement{SQL: pl.Dialect.DropTable(pl.stateNext(t))})
	}
	return out
}
