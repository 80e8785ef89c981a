package plan

import (
	"github.com/idstitch/idstitch/engine/render"
	idsql "github.com/idstitch/idstitch/sql"
)

// outputTarget says where the outputs stage builds the profiles and the links.
type outputTarget struct {
	profiles, edges string // full table names
	// durable: they are published as they are (a full run); else an incremental publish copies
	// their rows into the published tables.
	durable bool
	// keep is the work table of the universal ids whose rows are recomputed; "" when all are.
	keep string
}

// outputsAll builds every output table beside the published one, and the state a later
// incremental run builds on.
func (b *build) outputsAll() {
	st := Stage{Kind: KindOutputs, Name: "outputs", Note: "output tables, built beside the published ones"}
	// id_graph was built in the ids stage (idsDurable).
	st.Statements = append(st.Statements, b.outputTables(outputTarget{profiles: b.next(Profiles), edges: b.next(IDEdges), durable: true})...)
	// The rest of the state a later incremental run builds on (the rows and regions are built in
	// place), swapped in with the outputs.
	hubs, qvalues := b.empty(stateHubs), b.empty(stateQValues)
	if b.hubs() {
		hubs = render.SQL(b.r, idsql.StateHubs, idsql.StateHubsData{})
	}
	if len(b.checked) > 0 {
		qvalues = render.SQL(b.r, idsql.QuarantineFrom, idsql.QuarantineFromData{Table: "quarantine_values"})
	}
	st.Statements = append(st.Statements, b.table(b.stateNext(stateHubs), true, hubs, ""), b.table(b.stateNext(stateQValues), true, qvalues, ""))
	if b.Journal().Needed() {
		// A journaled publish may be completed by the next run, in another process: what it
		// commits must not be read from the work schema, which may be gone by then.
		st.Statements = append(st.Statements, createOutput(b, b.next(IDChanges), idsql.SelectAll, idsql.SelectAllData{Table: b.workTable("changes")}, "the changes, kept for the publish"))
	}
	st.Statements = append(st.Statements, b.overrideStatus()...)
	b.add(st)
	measures(b, idsql.Stats, idsql.StatsData{}, b.next(Profiles))
}

// outputsRegion builds the recomputed regions' rows of the output tables, and what changed.
func (b *build) outputsRegion() {
	st := Stage{Kind: KindOutputs, Name: "outputs", Note: "the recomputed regions' rows of the output tables, and what changed"}
	// An identifier whose hub decision flipped because a max_degree changed is not always on a
	// recomputed row (when all its partners are hubs too); its published rows go all the same.
	flips := b.hubs() && b.prior.Rules.Degrees
	st.Statements = append(st.Statements,
		create(b, "redo", idsql.IncRedo, idsql.IncRedoData{Flips: flips}, "every identifier whose published rows are replaced"),
		create(b, "old_map", idsql.IncOldMap, idsql.IncOldMapData{Scope: b.scoping(nil)}, "their published universal ids"),
		create(b, "redo_ids", idsql.IncRedoIDs, idsql.IncRedoIDsData{}, ""),
		create(b, "graph_write", idsql.IncGraphWrite, idsql.IncGraphWriteData{Scope: b.scoping(nil)}, "of those, the identifiers whose published row changes"),
		create(b, "regions_write", idsql.IncRegionsWrite, idsql.IncRegionsWriteData{Regions: b.state(stateRegions)}, "and those whose stored region changes"),
	)
	st.Statements = append(st.Statements, b.outputTables(outputTarget{profiles: b.workTable("profiles_region"), edges: b.workTable("edges_region"), keep: "redo_ids"})...)
	st.Statements = append(st.Statements,
		create(b, "edges_diff", idsql.IncEdgesDiff, idsql.IncEdgesData{Scope: b.scoping(nil)}, "the published links of those profiles that change or go, and the links that are new or changed"),
	)
	st.Statements = append(st.Statements, b.overrideStatus()...)
	b.add(st)
	measures(b, idsql.StatsIncremental, idsql.StatsIncrementalData{}, b.workTable("profiles_region"))
}

// outputTables builds what full and incremental runs both build: the changes, the profiles with
// their traits and audiences, the links, the quarantine and the audience members.
func (b *build) outputTables(t outputTarget) []Statement {
	out := []Statement{create(b, "changes", idsql.Changes, idsql.ChangesData{Scope: b.scoping(nil)}, "universal ids that are new, merged, split or quarantined since the last run")}
	profiles := render.SQL(b.r, idsql.Profiles, idsql.ProfilesData{Types: b.typeNames(), Scope: b.scoping(nil)})
	if len(b.traits) > 0 || len(b.Project.Audiences) > 0 {
		out = append(out, b.table(b.workTable("profiles_base"), false, profiles, ""))
		final := render.SQL(b.r, idsql.ProfilesFinal, idsql.ProfilesFinalData{Traits: b.traits, Joins: b.joins, Audiences: b.audiences()})
		out = append(out, b.table(t.profiles, t.durable, final, "profiles with their traits and audience flags"))
	} else {
		out = append(out, b.table(t.profiles, t.durable, profiles, ""))
	}
	return append(out,
		b.table(t.edges, t.durable, render.SQL(b.r, idsql.IDEdges, idsql.IDEdgesData{Scope: b.scoping(nil)}), ""),
		createOutput(b, b.next(IDQuarantine), idsql.IDQuarantine, idsql.IDQuarantineData{Parts: b.quarantine, RunID: b.runID, Scope: b.scoping(nil)}, "what was kept out of the graph, and why"),
		createOutput(b, b.next(AudienceMembers), idsql.AudienceMembers, idsql.AudienceMembersData{Audiences: b.audiences(), Profiles: t.profiles, Keep: t.keep},
			"audience members; those already in keep the time they entered"),
	)
}

// measures sets the queries the runner reads after the outputs stage; profiles is the table of
// the profiles the run writes.
func measures[T any](b *build, stats idsql.Template[T], data T, profiles string) {
	b.plan.Stats = render.SQL(b.r, stats, data)
	b.plan.QuarantineCounts = render.SQL(b.r, idsql.QuarantineCounts, idsql.QuarantineCountsData{})
	b.plan.ComponentsChanged = render.SQL(b.r, idsql.ComponentsChanged, idsql.ComponentsChangedData{Profiles: profiles})
}

func (b *build) typeNames() []string {
	var out []string
	for _, t := range b.Project.IDTypes {
		out = append(out, t.Name)
	}
	return out
}

func (b *build) audiences() []idsql.Audience {
	var out []idsql.Audience
	for _, a := range b.Project.Audiences {
		out = append(out, idsql.Audience{Name: a.Name, Where: a.Where})
	}
	return out
}
