package plan

import (
	"slices"

	"github.com/idstitch/idstitch/engine/render"
	idsql "github.com/idstitch/idstitch/sql"
)

// An append-only batch only adds rows: its links can merge profiles, never split them. Where no
// policy, control, trait or audience applies, and no guard decides again (no hub decision flips, no
// limit breaks), a profile is a connected component and its universal id is its anchor's, the
// identifier first seen, which only the batch's identifiers can displace. Such a batch needs no region recomputed: the published profiles it touches stand
// in for all their identifiers, its links join them into groups, and each group's anchor is the
// earliest of the touched profiles' anchors and the batch's identifiers. It writes its own
// identifiers, the identifiers of profiles whose id changes, the links it adds or relabels, and
// one profiles row per group: the cost follows the batch and the profiles it merges, not the
// size of the regions it touches.
//
// The planner cannot know that a batch only adds rows before it has read it, so an incremental
// plan of such a project carries the append-only plan beside it (Plan.Append); the runner runs the
// shared stages up to the extract, counts Plan.AppendProbe (the stored rows the batch replaces)
// and, when it is 0, goes on with the append-only plan. Any row changed or gone falls back to the
// regions; so does a guard that must decide again, which the append-only plan's rechecks count
// as soon as they can (Plan.Rechecks). What the append-only stages computed is then left unused.

// The paths of an incremental run, as its summary names them: the append-only path, or the
// regions recomputed.
const (
	PathAppend  = "append-only"
	PathRegions = "regions"
)

// appendable reports whether a project's incremental runs can take the append-only path: nothing
// but links and the guards decides its profiles (no trait, audience or attribute is computed over a
// profile's rows), and no rule changed since the last run.
func (b *build) appendable() bool {
	p := b.Project
	switch p.Incremental.AppendOnly {
	case "never":
		return false
	case "always":
	default:
		// auto: a limit sends most batches of data with shared devices back to the regions, after
		// the append-only stages ran for nothing (measured in docs/benchmarks.md).
		if len(b.limited()) > 0 {
			return false
		}
	}
	return b.prior != nil && !b.prior.Rules.Checks && !b.prior.Rules.Degrees && b.prior.Rules.OldLimits == nil &&
		b.controls == (Controls{}) && !p.Scoped() && !b.apart() &&
		len(p.Traits) == 0 && len(p.Audiences) == 0 && len(p.Attributes) == 0
}

// appendRun is the append-only plan: the shared stages of an incremental run up to the extract,
// then the batch's own nodes and links, the groups they make of the touched profiles, and the
// rows those groups change; published as the regions are.
var appendRun = mode{name: ModeIncremental, stages: []func(*build){
	(*build).setup,
	(*build).controlsStage,
	(*build).extractWindow,
	(*build).appendGuards,
	(*build).appendNodes,
	(*build).appendEdges,
	(*build).appendComponents,
	(*build).appendIDs,
	(*build).appendOutputs,
	(*build).publishRegion,
	(*build).indexes,
}}

// appendProbe is the query whose count must be 0 for the append-only path: the stored rows the
// batch replaces, over every source.
func (b *build) appendProbe() string {
	var gone []string
	for _, s := range b.sources() {
		gone = append(gone, "gone_"+s.Name)
	}
	return render.SQL(b.r, idsql.AppProbe, idsql.AppProbeData{Gone: gone})
}

// appendNodes makes the batch's identifiers with what its rows add to them.
func (b *build) appendNodes() {
	ins, _, _, _ := b.changedSlots()
	nodes := render.SQL(b.r, idsql.Nodes, idsql.NodesData{Slots: ins})
	st := b.nodesStage(create(b, "nodes", idsql.AppNodes, idsql.AppNodesData{Query: nodes, Hubs: b.hubs()}, "the batch's identifiers, counted over its rows"))
	b.add(st)
}

// appendEdges makes the batch's links, as a full run makes all of them.
func (b *build) appendEdges() {
	b.add(Stage{Kind: KindEdges, Name: "edges", Note: "the batch's links", Statements: []Statement{
		create(b, "edges", idsql.Edges, idsql.EdgesData{Links: b.links("ins_"), Sources: b.linkSources()}, ""),
	}})
}

// appendComponents groups the batch's identifiers: connected components of its links and of a
// star over each published profile's identifiers in the batch.
func (b *build) appendComponents() {
	old := create(b, "app_old", idsql.AppOld, idsql.AppOldData{}, "the batch's identifiers that are published, with their profiles")
	st := b.connected(KindComponents, "components", "cc", render.SQL(b.r, idsql.AppStart, idsql.AppStartData{}), "labels")
	st.Note = "groups of the batch's identifiers: its links, and the profiles they belong to"
	st.Statements = append([]Statement{old, {Note: "no identifier of the batch may share a node id with another published one",
		SQL: stmt(b, idsql.AppCollisions, idsql.AppCollisionsData{}).SQL, Check: nodeCollisions}}, st.Statements...)
	// What the limits' recheck reads, so that it is read before the ids.
	st.After = append(st.After,
		create(b, "app_groups", idsql.AppGroups, idsql.AppGroupsData{}, "every identifier of the batch with its group"),
		create(b, "app_prev", idsql.AppPrev, idsql.AppPrevData{}, "the published profiles the batch touches, with their groups"),
		create(b, "app_region_old", idsql.AppRegionOld, idsql.AppRegionOldData{Regions: b.state(stateRegions)}, "the stored region of each touched profile"),
	)
	b.add(st)
}

// appendIDs gives every group its universal id: the anchor among its profiles' anchors and the
// batch's identifiers.
func (b *build) appendIDs() {
	var ranks []idsql.TypeRank
	for i, t := range b.Project.IDTypes {
		ranks = append(ranks, idsql.TypeRank{Name: t.Name, Rank: i})
	}
	b.add(Stage{Kind: KindIDs, Name: "ids", Note: "one universal id per group, from its anchor identifier", Statements: []Statement{
		create(b, "assign", idsql.AppAssign, idsql.AppAssignData{Types: ranks}, "the candidates for each group's anchor"),
		create(b, "anchors", idsql.Anchors, idsql.AnchorsData{Salt: b.Project.Output.IDSalt}, "anchor: earliest first_seen, then type priority, then value"),
		create(b, "app_moves", idsql.AppMoves, idsql.AppMovesData{}, "each touched profile's universal id, and its group's"),
	}})
}

// appendOutputs builds the rows the batch changes, in the work tables the publish of an
// incremental run reads.
func (b *build) appendOutputs() {
	regions := b.state(stateRegions)
	st := Stage{Kind: KindOutputs, Name: "outputs", Note: "the rows of the output tables the batch changes, and what changed", Statements: []Statement{
		create(b, "graph", idsql.AppGraph, idsql.AppGraphData{}, "the batch's identifiers, and those of the profiles whose id changes"),
		create(b, "redo", idsql.AppNodeIDs, idsql.AppNodeIDsData{From: "graph", Values: true}, ""),
		create(b, "old_map", idsql.AppOldMap, idsql.AppOldMapData{}, "their published universal ids"),
		create(b, "graph_write", idsql.AppNodeIDs, idsql.AppNodeIDsData{From: "graph"}, "every row of graph replaces its published one"),
		create(b, "app_labels", idsql.AppLabels, idsql.AppLabelsData{}, "each group's region label: its smallest node id"),
		create(b, "regions_new", idsql.AppRegions, idsql.AppRegionsData{Regions: regions}, "the regions rows that change"),
		create(b, "regions_write", idsql.AppNodeIDs, idsql.AppNodeIDsData{From: "regions_new"}, ""),
		create(b, "redo_ids", idsql.AppRedoIDs, idsql.AppRedoIDsData{}, "the universal ids whose profiles rows are replaced"),
		create(b, "profiles_region", idsql.AppProfiles, idsql.AppProfilesData{Types: b.typeNames()}, "one profiles row per group"),
		create(b, "changes", idsql.Changes, idsql.ChangesData{}, "universal ids that are new or merged since the last run"),
		create(b, "edges_diff", idsql.AppEdgesDiff, idsql.AppEdgesDiffData{Sources: b.linkSources()}, "the links the batch adds, and the published ones it adds to or relabels"),
		createOutput(b, b.next(IDQuarantine), idsql.IDQuarantine, idsql.IDQuarantineData{RunID: b.runID, Parts: b.quarantine}, "what was kept out of the graph, and why"),
		createOutput(b, b.next(AudienceMembers), idsql.AudienceMembers, idsql.AudienceMembersData{Profiles: b.workTable("profiles_region"), Keep: "redo_ids"}, "no audiences: none"),
	}}
	b.add(st)
	measures(b, idsql.AppStats, idsql.AppStatsData{}, b.workTable("profiles_region"))
}

// appendGuards takes, for the batch, the decisions a guard makes per value and per identifier's
// partners, as the region stage does: the invalid and blocked values counted over all rows, and
// the hub decisions of the identifiers on the batch's rows taken again over all their rows. A
// decision that flips sends the batch back to the regions (appendRecheck).
func (b *build) appendGuards() {
	ins, del, checkedIns, checkedDel := b.changedSlots()
	st := Stage{Kind: KindGuards, Name: "guards", Note: guardsNote, Statements: []Statement{
		create(b, "touched", idsql.IncTouched, idsql.IncTouchedData{Slots: append(ins, del...)}, "identifiers on the batch's rows"),
		b.table(b.workTable("qvalues_new"), false, b.qvalues(checkedIns, checkedDel), "invalid and blocked values, counted over all rows"),
	}}
	b.quarantine = append(b.quarantine,
		stmt(b, idsql.QuarantineFrom, idsql.QuarantineFromData{Table: "qvalues_new"}).SQL,
		stmt(b, idsql.QuarantineKept, idsql.QuarantineKeptData{Reasons: b.structural()}).SQL)
	if b.hubs() {
		hubs, _ := b.regionHubs(append(ins, del...))
		st.Statements = append(st.Statements, hubs...)
		for _, s := range b.sources() {
			if slots := b.bySource[s.Name]; len(slots) > 1 {
				st.Statements = append(st.Statements, create(b, "kept_"+s.Name, idsql.Kept, idsql.KeptData{Slots: slots, Table: "ins_" + s.Name}, "the batch's rows of "+s.Name+" without their hubs"))
			}
		}
		b.quarantine = append(b.quarantine, stmt(b, idsql.QuarantineHubs, idsql.QuarantineHubsData{Reason: ReasonHub}).SQL)
	}
	b.add(st)
}

// appendRechecks are the counts that must be 0 for the append-only path to go on, each read as soon
// as it is known: the hub decisions after the guards, the limits once the groups are. Each one read early
// spares the work after it when the batch must go back to the regions.
func (b *build) appendRechecks() []Recheck {
	var out []Recheck
	if b.hubs() {
		out = append(out, Recheck{After: KindGuards, Why: "the batch flips a hub decision",
			Query: render.SQL(b.r, idsql.AppRecheck, idsql.AppRecheckData{Flips: true})})
	}
	var limits []idsql.LimitChange
	for _, t := range b.limited() {
		limits = append(limits, idsql.LimitChange{Type: t.Name, Limit: *t.Limit})
	}
	if len(limits) > 0 {
		out = append(out, Recheck{After: KindComponents, Why: "the batch merges what a limit must split, or touches a profile a limit split",
			Query: render.SQL(b.r, idsql.AppRecheck, idsql.AppRecheckData{Limits: limits, Regions: b.state(stateRegions)})})
	}
	return out
}

// stageAfter is the position after the first stage of kind k.
func stageAfter(stages []Stage, k Kind) int {
	for i, st := range stages {
		if st.Kind == k {
			return i + 1
		}
	}
	return len(stages)
}

// sql lists the text of every statement a stage can send, its loop's read at a few rounds as
// lastReads reads them.
func (st Stage) sql() []string {
	var out []string
	add := func(stmts []Statement) {
		for _, x := range stmts {
			out = append(out, x.SQL)
		}
	}
	add(st.Statements)
	if l := st.Loop; l != nil {
		out = append(out, l.Start)
		for i := 1; i <= 3; i++ {
			add(l.Round(i))
			out = append(out, l.Remaining(i))
		}
		for k := 0; k <= 3; k++ {
			add(l.Finish(k))
		}
	}
	add(st.After)
	add(st.Commit)
	return out
}

// AppendPath is the plan a run follows when it takes the append-only path: p's stages up to its
// extract, with the probe, then the append-only plan's stages after its own. Nil when p has none.
func (p *Plan) AppendPath() *Plan {
	if p.Append == nil {
		return nil
	}
	out := *p.Append
	out.AppendProbe = p.AppendProbe
	out.Stages = append(slices.Clone(p.Stages[:stageAfter(p.Stages, KindExtract)]), p.Append.Stages[stageAfter(p.Append.Stages, KindExtract):]...)
	return &out
}
