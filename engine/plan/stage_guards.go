package plan

import idsql "github.com/idstitch/idstitch/sql"

// Guards that act on single values and on an identifier's partners come before the links, so
// that a quarantined identifier never links anything.

const guardsNote = "values that are invalid or blocked, and hubs, are kept out of the graph"

// guardsAll finds the invalid and blocked values and the hubs over every row.
func (b *build) guardsAll() {
	st := Stage{Kind: KindGuards, Name: "guards", Note: guardsNote}
	if len(b.checked) > 0 {
		st.Statements = append(st.Statements, create(b, "quarantine_values", idsql.QuarantineValues, idsql.QuarantineValuesData{Slots: b.checked}, "invalid and blocked values"))
		b.quarantine = append(b.quarantine, stmt(b, idsql.QuarantineFrom, idsql.QuarantineFromData{Table: "quarantine_values"}).SQL)
	}
	if b.hubs() {
		st.Statements = append(st.Statements, create(b, "hubs", idsql.Hubs, idsql.HubsData{Pairs: b.pairs}, "hubs: identifiers seen with more distinct identifiers than their type's max_degree"))
		b.quarantine = append(b.quarantine, stmt(b, idsql.QuarantineNodes, idsql.QuarantineNodesData{Table: "hubs", Reason: ReasonHub, Evidence: "degree"}).SQL)
	}
	b.addGuards(st)
}

// guardsRegion takes the values and hubs the region stage counted over all rows; structural
// quarantine outside the recomputed regions stays as published.
func (b *build) guardsRegion() {
	b.quarantine = append(b.quarantine,
		stmt(b, idsql.QuarantineFrom, idsql.QuarantineFromData{Table: "qvalues_new"}).SQL,
		stmt(b, idsql.QuarantineKept, idsql.QuarantineKeptData{Reasons: b.structural(), Scope: b.scoping(nil)}).SQL)
	if b.hubs() {
		b.quarantine = append(b.quarantine, stmt(b, idsql.QuarantineHubs, idsql.QuarantineHubsData{Reason: ReasonHub}).SQL)
	}
	b.addGuards(Stage{Kind: KindGuards, Name: "guards", Note: guardsNote})
}

// addGuards adds the rows of every source without their hubs, and the stage when it has work.
func (b *build) addGuards(st Stage) {
	if b.hubs() {
		for _, s := range b.sources() {
			if slots := b.bySource[s.Name]; len(slots) > 1 {
				st.Statements = append(st.Statements, create(b, "kept_"+s.Name, idsql.Kept, idsql.KeptData{Slots: slots, Table: "src_" + s.Name}, "source "+s.Name+" without its hubs"))
			}
		}
	}
	if len(st.Statements) > 0 {
		b.add(st)
	}
}
