package plan

import (
	"github.com/idstitch/idstitch/dialects"
	"github.com/idstitch/idstitch/engine/config"
	"github.com/idstitch/idstitch/engine/render"
	idsql "github.com/idstitch/idstitch/sql"
)

// build is the state that the stage builders of one plan share, filled in pipeline order: what
// one stage decides (the slots of each source, the hub pairs, the parts of the quarantine, the
// partition the limits refine) the later ones read.
type build struct {
	*Planner
	names
	plan  *Plan
	runID int64
	// layout arranges the durable tables the run builds, by full name (see layouts).
	layout map[string]dialects.TableLayout
	// prior is the state an incremental run builds on; nil in a full run.
	prior *Prior

	// bySource holds each source's slots, in the order of its columns' id type priority.
	bySource map[string][]idsql.Slot
	// allSlots are every source's slots; checked those with checks.
	allSlots, checked []idsql.Slot
	// pairs are the ordered pairs of slots whose first has a max_degree: a hub guard exists
	// when there is one.
	pairs []idsql.Pair
	// windows holds, per source, the condition on its extracted rows that an incremental run
	// reads again ("" for every row).
	windows map[string]string
	// quarantine lists the queries of the identifiers kept out of the graph, each of
	// (id_type, id_value, reason, evidence).
	quarantine []string
	// graph selects the links that components start from; with policy isolate or evidence, those
	// of the known identifiers only.
	graph idsql.GraphStartData
	// groups is the work table of the partition so far: the components, refined by each limit
	// and by the anonymous policy; "" while no constraint applies.
	groups string
	// regionLabels is the work table of every identifier's region.
	regionLabels string
	// traits are the trait columns of the profiles, read from joins.
	traits []idsql.TraitColumn
	joins  []idsql.TraitJoin
	// controls are the tables people write to that this run reads.
	controls Controls
	// forgotten are the work tables of the stored rows, per source, that this run forgets.
	forgotten []string
	// keep are statements of another plan that may run after this one's (an append-only plan's
	// incremental plan, which the runner goes back to): no work table they name is dropped early.
	keep []string
}

func (b *build) hubs() bool { return len(b.pairs) > 0 }

// isolate reports whether policy isolate applies: it needs anonymous id types.
func (b *build) isolate() bool {
	return b.Project.Isolate() && len(b.Project.AnonymousTypes()) > 0
}

// evidence reports whether policy evidence applies: it needs anonymous id types.
func (b *build) evidence() bool {
	return b.Project.Evidence() && len(b.Project.AnonymousTypes()) > 0
}

// apart reports whether a policy decides the anonymous identifiers apart from the components
// of the known ones (isolate or evidence).
func (b *build) apart() bool { return b.isolate() || b.evidence() }

// newBuild prepares the state of a plan: the slots of every source, and the tables that this
// mode keeps outside the work schema.
func (pl *Planner) newBuild(m mode, runID int64, prior *Prior, c Controls) *build {
	p := pl.Project
	elsewhere := map[string]string{}
	b := &build{Planner: pl, runID: runID, prior: prior, controls: c, bySource: map[string][]idsql.Slot{}, windows: map[string]string{},
		plan: &Plan{Project: p.Project, Dialect: pl.Dialect, Algorithm: pl.Algorithm, SourceRows: map[string]string{}, Mode: m.name, Reads: c, read: map[string]string{}}}
	b.names = newNames(p, pl.Dialect, elsewhere)
	b.layout = pl.layouts()
	if m.inPlace {
		for _, s := range p.Sources {
			elsewhere["src_"+s.Name] = b.stateNext(stateRows + s.Name)
		}
		elsewhere["regions_new"] = b.stateNext(stateRegions)
		elsewhere["graph"] = b.next(IDGraph)
		elsewhere["old_map"] = b.out(IDGraph)
	}
	for _, s := range p.Sources {
		slots := pl.withBlocks(pl.slots(s), c.Overrides)
		b.bySource[s.Name] = slots
		b.allSlots = append(b.allSlots, slots...)
		for _, sl := range slots {
			if len(sl.Checks) > 0 {
				b.checked = append(b.checked, sl)
			}
			if sl.MaxDegree > 0 {
				for _, other := range slots {
					if other.N != sl.N {
						b.pairs = append(b.pairs, idsql.Pair{I: sl.N, J: other.N, MaxDegree: sl.MaxDegree, Table: sl.Table})
					}
				}
			}
		}
	}
	if b.apart() {
		b.graph = idsql.GraphStartData{Types: p.AnonymousTypes(), Not: true}
	}
	return b
}

// sources lists the project's sources in file order.
func (b *build) sources() []config.Source { return b.Project.Sources }

// add appends a stage to the plan.
func (b *build) add(st Stage) { b.plan.Stages = append(b.plan.Stages, st) }

// create makes a scratch table in the work schema from a template.
func create[T any](b *build, table string, t idsql.Template[T], data T, note string) Statement {
	return Statement{Note: note, SQL: b.Dialect.CreateTableAs(b.workTable(table), render.SQL(b.r, t, data), true)}
}

// createOutput makes a table that will be published or kept as state: it must be as durable as
// any table. table is its full name.
func createOutput[T any](b *build, table string, t idsql.Template[T], data T, note string) Statement {
	return Statement{Note: note, SQL: b.durable(table, render.SQL(b.r, t, data))}
}

// stmt renders a template as a statement of its own.
func stmt[T any](b *build, t idsql.Template[T], data T) Statement {
	return Statement{SQL: render.SQL(b.r, t, data)}
}

// count is the query counting the rows of a work table.
func (b *build) count(table string) string {
	return render.SQL(b.r, idsql.CountRows, idsql.CountRowsData{Table: table})
}

// drop drops a work table.
func (b *build) drop(table string) Statement {
	return Statement{SQL: b.Dialect.DropTable(b.workTable(table))}
}

// table makes a table from a query: durable when it is published or kept as state as it is,
// scratch otherwise. table is its full name.
func (b *build) table(table string, durable bool, query, note string) Statement {
	if durable {
		return Statement{Note: note, SQL: b.durable(table, query)}
	}
	return Statement{Note: note, SQL: b.Dialect.CreateTableAs(table, query, true)}
}
