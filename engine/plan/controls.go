package plan

import (
	"fmt"

	"github.com/idstitch/idstitch/engine/render"
	idsql "github.com/idstitch/idstitch/sql"
)

// Controls says which of the tables people write to between runs (overrides, forget requests)
// a run reads. The runner finds out before planning (Planner.ControlsProbe): a project whose
// tables are empty, and whose last run applied nothing from them, plans as if they did not exist.
type Controls struct {
	// Overrides: the overrides table has rows, or the last run applied some.
	Overrides bool `yaml:"overrides"`
	// Forget: forget requests wait, or values were forgotten; Pending: requests wait.
	Forget  bool `yaml:"forget"`
	Pending bool `yaml:"pending"`
}

// stateOverrides is the state table of the never_link and always_link overrides the last run
// applied (kind and the two node ids): an incremental run recomputes the regions of those that
// came or went since.
const stateOverrides = "overrides"

// PlanWith plans a run that reads the control tables c names: full when prior is nil.
func (pl *Planner) PlanWith(runID int64, prior *Prior, c Controls) (*Plan, error) {
	if err := pl.Project.SaltReady(); err != nil {
		return nil, err
	}
	m := fullRun
	if prior != nil {
		m = incrementalRun
	}
	b := pl.newBuild(m, runID, prior, c)
	for _, stage := range m.stages {
		stage(b)
	}
	b.dropEarly()
	if b.appendable() {
		a := pl.newBuild(appendRun, runID, prior, c)
		// The runner may go back to the incremental plan after the append-only stages: what it
		// reads after its extract must still be there.
		for _, st := range b.plan.Stages[stageAfter(b.plan.Stages, KindExtract):] {
			a.keep = append(a.keep, st.sql()...)
		}
		for _, stage := range appendRun.stages {
			stage(a)
		}
		a.plan.Rechecks = a.appendRechecks()
		a.dropEarly()
		b.plan.Append, b.plan.AppendProbe = a.plan, a.appendProbe()
	}
	return b.plan, nil
}

func (b *build) overrides() bool { return b.controls.Overrides }

// controlsStage reads the overrides people wrote, normalized as their id types say, before
// anything else: the region an incremental run recomputes depends on which of them changed.
func (b *build) controlsStage() {
	if !b.overrides() && !b.forgets() {
		return
	}
	st := Stage{Kind: KindControls, Name: "controls", Note: "the overrides and forget requests people wrote, normalized, and what changed since the last run"}
	st.Statements = b.forgetStatements()
	if !b.overrides() {
		b.add(st)
		return
	}
	st.Statements = append(st.Statements, create(b, "ovr", idsql.Ovr, b.ovrData(), "every override with its identifiers' node ids, and what keeps an invalid one from applying"))
	if b.prior != nil {
		st.Statements = append(st.Statements, create(b, "ovr_changed", idsql.OvrChanged, idsql.OvrChangedData{Applied: b.state(stateOverrides)},
			"the identifiers of the overrides added or removed since the last run: their regions are recomputed"))
	}
	b.add(st)
}

// ovrData normalizes an override's values as the extraction normalizes its type's. In a project
// with scopes, values are written as id_graph shows them, qualified and normalized.
func (pl *Planner) ovrData() idsql.OvrData {
	var d idsql.OvrData
	for _, t := range pl.Project.IDTypes {
		a, bv := "id_value_a", "id_value_b"
		if !pl.Project.Scoped() {
			a, bv = pl.normalize(t, a), pl.normalize(t, bv)
		}
		d.Types = append(d.Types, idsql.OvrType{Name: t.Name, A: a, B: bv})
	}
	if sc := pl.scoping(nil); sc != nil {
		d.PoolA = render.SQL(pl.names.r, idsql.OvrPool, idsql.OvrPoolData{Scope: *sc, Type: "id_type_a", Value: "va"})
		d.PoolB = render.SQL(pl.names.r, idsql.OvrPool, idsql.OvrPoolData{Scope: *sc, Type: "id_type_b", Value: "vb"})
	}
	return d
}

// neverLinks splits the groups that hold both identifiers of a never_link the way a limit does:
// each identifier a never_link names there becomes an anchor, and every other identifier joins
// the nearest. A group with several never_links is split at every identifier they name.
func (b *build) neverLinks() {
	if !b.overrides() {
		return
	}
	st := Stage{Kind: KindLimit, Name: "never_link", Note: "never_link overrides: split the profiles that hold both identifiers of one"}
	viol := "nl_violating"
	st.Statements = []Statement{
		create(b, viol, idsql.NLViolating, idsql.NLViolatingData{Groups: b.groups}, "profiles holding both identifiers of a never_link"),
	}
	seed := create(b, "lim_seen_0", idsql.NLSeed, idsql.NLSeedData{Groups: b.groups}, "the identifiers the never_links name are the anchors")
	b.add(b.nearest(st, b.groups, "groups_nl", viol, seed, false))
	b.groups = "groups_nl"
	b.plan.Controls = append(b.plan.Controls, stmt(b, idsql.ControlTally, idsql.ControlTallyData{Name: "never_link_splits", Table: viol}).SQL)
}

// overrideEdges adds the links of the always_link overrides between identifiers in the graph.
func (b *build) overrideEdges() []Statement {
	if !b.overrides() {
		return nil
	}
	return []Statement{create(b, "ovr_edges", idsql.OvrEdges, idsql.OvrEdgesData{Hubs: b.hubs(), Scoped: b.Project.Scoped()}, "links that always_link overrides add")}
}

// overrideStatus decides the status of each override from this run's graph.
func (b *build) overrideStatus() []Statement {
	if !b.overrides() {
		return nil
	}
	var limits []idsql.OvrLimit
	for i, t := range b.limited() {
		limits = append(limits, idsql.OvrLimit{Type: t.Name, Column: fmt.Sprintf("c%d", i+1), Limit: *t.Limit})
	}
	var out []Statement
	if b.prior != nil {
		out = append(out, create(b, "ovr_published", idsql.OvrPublished, idsql.OvrPublishedData{}, "the published profiles of the identifiers overrides name outside the recomputed regions"))
	}
	if len(limits) > 0 {
		out = append(out, create(b, "ovr_counts", idsql.OvrCounts, idsql.OvrCountsData{Limits: limits, Incremental: b.prior != nil}, "identifiers of each limited type per profile"))
	}
	out = append(out, create(b, "ovr_status", idsql.OvrStatus, idsql.OvrStatusData{Limits: limits, Incremental: b.prior != nil, Scoped: b.Project.Scoped()},
		"what this run makes of each override: applied, refused, waiting or invalid"))
	b.plan.Controls = append(b.plan.Controls, stmt(b, idsql.ControlStatuses, idsql.ControlStatusesData{}).SQL)
	return out
}

// overridesPublish writes each override's status and keeps the applied links as state, in the
// publish transaction.
func (b *build) overridesPublish() []Statement {
	if !b.overrides() {
		return nil
	}
	return []Statement{
		stmt(b, idsql.OvrUpdate, idsql.OvrUpdateData{RunID: b.runID}),
		stmt(b, idsql.DeleteAll, idsql.DeleteAllData{Table: b.state(stateOverrides)}),
		stmt(b, idsql.OvrApplied, idsql.OvrAppliedData{Table: b.state(stateOverrides), Forget: b.erases()}),
	}
}

// ControlsProbe is the query of one row of counts that ReadControls turns into Controls; it
// reads the tables setup creates.
func (pl *Planner) ControlsProbe() string {
	return render.SQL(pl.names.r, idsql.ControlsProbe, idsql.ControlsProbeData{Applied: pl.names.state(stateOverrides)})
}

// ReadControls says what a run reads given the counts of ControlsProbe.
func ReadControls(overrides, applied, requests, audit int64) Controls {
	return Controls{Overrides: overrides > 0 || applied > 0, Forget: requests > 0 || audit > 0, Pending: requests > 0}
}

// extras are what the control tables add to a source's extraction: the forgotten values it
// leaves out, and the values overrides block or unblock.
type extras struct {
	forget *idsql.Forget
	blocks bool
}

func (b *build) extras() extras { return extras{forget: b.forgetFilter(), blocks: b.overrides()} }

// withBlocks adds to each slot's checks those of the block and unblock overrides (in the work
// table ovr), when blocks: a value an override blocks is quarantined as blocked; one it unblocks
// passes the project's block_values, block and block_pattern (not its pattern, nor a block
// override).
func (pl *Planner) withBlocks(slots []idsql.Slot, blocks bool) []idsql.Slot {
	if !blocks {
		return slots
	}
	out := make([]idsql.Slot, len(slots))
	for i, sl := range slots {
		v := fmt.Sprintf("v%d", sl.N)
		listed := func(kind string) string {
			return render.SQL(pl.names.r, idsql.OvrValues, idsql.OvrValuesData{Kind: kind, Type: sl.Type})
		}
		checks := []idsql.Check{{Cond: v + " IN (" + listed("block") + ")", Reason: ReasonBlocked}}
		for _, c := range sl.Checks {
			if c.Reason == ReasonBlocked {
				c.Cond = "(" + c.Cond + ") AND " + v + " NOT IN (" + listed("unblock") + ")"
			}
			checks = append(checks, c)
		}
		sl.Checks = checks
		out[i] = sl
	}
	return out
}

// BlocksChanged is the query counting the block and unblock overrides that differ from those
// the last run applied: when it is not 0, an incremental run checks every stored row again
// (Rules.Checks).
func (pl *Planner) BlocksChanged() string {
	return render.SQL(pl.names.r, idsql.OvrBlocksChanged, idsql.OvrBlocksChangedData{Ovr: render.SQL(pl.names.r, idsql.Ovr, pl.ovrData()), Applied: pl.names.state(stateOverrides)})
}
