package plan

import idsql "github.com/idstitch/idstitch/sql"

// regions finds the regions when policy isolate or evidence splits the components: a region is a
// component of all links, the unit a later incremental run recomputes as a whole. Otherwise the
// components are the regions. Policy evidence needs them first, and finds them itself.
func (b *build) regions() {
	if b.regionLabels != "" {
		return
	}
	b.regionLabels = "labels"
	if !b.apart() {
		return
	}
	st := b.connected(KindRegions, "regions", "rc", b.graphStart(idsql.GraphStartData{}), "region_labels")
	st.Note = "regions: components of all links, the unit that incremental runs recompute"
	b.add(st)
	b.regionLabels = "region_labels"
}

// idsDurable gives every profile its universal id, and builds every identifier's region in
// place in the state, a table that must last. The identifiers with their universal ids are the
// next id_graph itself (work "graph" names it in a full run), rather than a work table that the
// outputs stage copied: every identifier was written twice, and held in memory in between.
func (b *build) idsDurable() {
	graph := createOutput(b, b.workTable("graph"), idsql.Graph, idsql.GraphData{Scope: b.scoping(nil)}, "every identifier with its universal id: the next id_graph")
	b.ids(graph, createOutput(b, b.workTable("regions_new"), idsql.Regions, b.regionsData(), regionsNote))
}

// idsScratch gives every profile of the recomputed regions its universal id; their regions are
// a work table that publishing copies into the state.
func (b *build) idsScratch() {
	b.ids(create(b, "graph", idsql.Graph, idsql.GraphData{Scope: b.scoping(nil)}, "every identifier with its universal id"),
		create(b, "regions_new", idsql.Regions, b.regionsData(), regionsNote))
}

const regionsNote = "every identifier's region, quarantined ones too"

func (b *build) regionsData() idsql.RegionsData {
	// assign is built from labels, less the hubs, unless groups (limits, the anonymous policy)
	// split the components.
	return idsql.RegionsData{Labels: b.regionLabels, Hubs: b.hubs(), FromAssign: b.regionLabels == "labels" && b.groups == ""}
}

func (b *build) ids(graph, regions Statement) {
	groups := b.groups
	b.add(Stage{Kind: KindIDs, Name: "ids", Note: "one universal id per profile, from its anchor identifier", Statements: []Statement{
		create(b, "assign", idsql.Assign, idsql.AssignData{Groups: groups, Hubs: b.hubs()}, "every identifier in the graph with its profile"),
		create(b, "anchors", idsql.Anchors, idsql.AnchorsData{Salt: b.Project.Output.IDSalt, Scope: b.scoping(nil)}, "anchor: earliest first_seen, then type priority, then value"),
		graph,
		regions,
	}})
}
