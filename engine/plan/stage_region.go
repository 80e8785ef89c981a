package plan

import (
	"fmt"
	"strings"

	"github.com/idstitch/idstitch/engine/config"
	"github.com/idstitch/idstitch/engine/render"
	idsql "github.com/idstitch/idstitch/sql"
)

// region plans the stage that decides what an incremental run recomputes: the identifiers on
// rows that are new, changed or gone (touched); hub decisions over all rows for those
// identifiers, since only their degree can have changed; and the regions holding a touched
// identifier or a neighbour of one whose hub decision flipped. The rows holding any identifier of
// those regions become the run's sources, so that every later stage runs as in a full run.
func (b *build) region() {
	st := Stage{Kind: KindRegion, Name: "region", Note: "the identifiers the changed rows touch, the hub decisions they change, and the regions to recompute"}
	insSlots, delSlots, checkedIns, checkedDel := b.changedSlots()
	st.Statements = append(st.Statements,
		create(b, "touched", idsql.IncTouched, idsql.IncTouchedData{Slots: append(insSlots, delSlots...)}, "identifiers on rows that are new, changed or gone"),
		b.table(b.workTable("qvalues_new"), false, b.qvalues(checkedIns, checkedDel), "invalid and blocked values, counted over all rows"))
	var seeds []idsql.Slot
	if b.hubs() {
		var hubs []Statement
		hubs, seeds = b.regionHubs(append(insSlots, delSlots...))
		st.Statements = append(st.Statements, hubs...)
	}
	st.Statements = append(st.Statements, b.regionRows(seeds)...)
	b.add(st)
}

// qvalues counts the invalid and blocked values over all rows: the stored counts, plus those of
// the rows read, less those of the rows gone.
func (b *build) qvalues(ins, del []idsql.Slot) string {
	if len(ins) == 0 {
		return b.empty(stateQValues)
	}
	return render.SQL(b.r, idsql.IncQValues, idsql.IncQValuesData{Stored: b.state(stateQValues), Parts: []idsql.QValuesPart{
		{N: 1, Sign: "", SQL: render.SQL(b.r, idsql.QuarantineValues, idsql.QuarantineValuesData{Slots: ins})},
		{N: 2, Sign: "-", SQL: render.SQL(b.r, idsql.QuarantineValues, idsql.QuarantineValuesData{Slots: del})},
	}})
}

// near lists the sources with a hub guard on one of their slots.
func (b *build) near() map[string]bool {
	near := map[string]bool{}
	for _, p := range b.pairs {
		near[strings.TrimPrefix(p.Table, "src_")] = true
	}
	return near
}

// regionHubs decides the hubs again for the touched identifiers (for every identifier when a
// max_degree changed), and returns the slots of the rows that hold an identifier whose decision
// flipped: their partners are seeds too.
func (b *build) regionHubs(touched []idsql.Slot) (stmts []Statement, seeds []idsql.Slot) {
	near := b.near()
	var nearPairs []idsql.Pair
	for _, p := range b.pairs {
		p.Table = "near_" + strings.TrimPrefix(p.Table, "src_")
		nearPairs = append(nearPairs, p)
	}
	decided := "touched"
	var all []idsql.Slot
	for _, s := range b.sources() {
		if near[s.Name] {
			stmts = append(stmts, b.nearRows(s))
			all = append(all, withTable(b.bySource[s.Name], "near_"+s.Name)...)
		}
	}
	if b.prior.Rules.Degrees {
		// The touched identifiers too: one that left every row (a value blocked since) is a hub
		// no longer, which only deciding it again says.
		decided = "decided"
		stmts = append(stmts, create(b, decided, idsql.IncTouched, idsql.IncTouchedData{Slots: append(all, touched...)}, "every identifier on a row with partners, and the touched ones"))
	}
	stmts = append(stmts,
		create(b, "hubs_named", idsql.IncHubs, idsql.IncHubsData{Stored: b.state(stateHubs), Touched: decided, Degrees: render.SQL(b.r, idsql.Hubs, idsql.HubsData{Pairs: nearPairs})},
			"hubs: the stored ones, with the touched identifiers decided again over all their rows"),
		create(b, "hubs", idsql.IncHubNodes, idsql.IncHubNodesData{}, ""),
		create(b, "flips", idsql.IncFlips, idsql.IncFlipsData{Stored: b.state(stateHubs), Touched: decided}, "identifiers that became hubs or stopped being ones"),
	)
	for _, s := range b.sources() {
		if !near[s.Name] {
			continue
		}
		stmts = append(stmts, create(b, "fliprows_"+s.Name, idsql.IncRowsWith,
			idsql.IncRowsWithData{From: b.workTable("near_" + s.Name), Slots: b.bySource[s.Name], Nodes: "flips", Cols: nodeColumns(b.bySource[s.Name], false)}, ""))
		seeds = append(seeds, withTable(b.bySource[s.Name], "fliprows_"+s.Name)...)
	}
	return stmts, seeds
}

// nearRows are the rows of a source whose hub decisions are taken again: those that hold a
// touched identifier or, when a max_degree changed, all of them.
func (b *build) nearRows(s config.Source) Statement {
	slots := b.bySource[s.Name]
	if b.prior.Rules.Degrees {
		// A max_degree changed: every identifier's hub decision is taken again.
		return create(b, "near_"+s.Name, idsql.IncAllRows, idsql.IncAllRowsData{Columns: nodeColumns(slots, true), Stored: b.state(stateRows + s.Name),
			Window: orAll(b.windows[s.Name]), Gone: "gone_" + s.Name, Ins: "ins_" + s.Name}, "all rows of "+s.Name+", since a max_degree changed")
	}
	return create(b, "near_"+s.Name, idsql.IncRowsWith, b.rowsWith(s, "touched", nodeColumns(slots, false)),
		"the identifiers of the rows of "+s.Name+" that hold a touched identifier")
}

// regionRows finds the regions to recompute from the seeds, and the rows of every source in them.
func (b *build) regionRows(seeds []idsql.Slot) []Statement {
	// Where the seeds' values come from when they are in no stored region.
	named := "touched"
	if b.hubs() && b.prior.Rules.Degrees {
		named = "decided"
	}
	out := []Statement{
		create(b, "seeds", idsql.IncSeeds, idsql.IncSeedsData{Slots: seeds, Over: b.limitChanges(), Regions: b.state(stateRegions), Overrides: b.overrides()},
			"touched identifiers, the partners of those whose hub decision flipped, and the regions a changed limit can split"),
	}
	if b.overrides() {
		out = append(out, stmt(b, idsql.OvrSeeds, idsql.OvrSeedsData{}))
	}
	out = append(out,
		create(b, "rnodes", idsql.IncRegion, idsql.IncRegionData{Regions: b.state(stateRegions), Hubs: b.hubs()}, "every identifier of the regions the seeds are in"),
		// The rows below are read without their values, which costs a third of reading them
		// with; the values come from the published identifiers, the structural quarantine, the
		// changed rows and the hubs.
		create(b, "names", idsql.IncNames, idsql.IncNamesData{Named: named, Hubs: b.hubs(), Reasons: b.structural(), Scope: b.scoping(nil)},
			"the value of every identifier on the rows of those regions"),
	)
	for _, s := range b.sources() {
		out = append(out, create(b, "src_"+s.Name, idsql.IncRowsWith, b.rowsWith(s, "rnodes", b.regionColumns(s)), "rows of "+s.Name+" in those regions"))
	}
	return out
}

// limitChanges lists the types whose limit changed, each with the lower of its old and new
// limit: a changed limit can only change regions holding more identifiers of the type.
func (b *build) limitChanges() []idsql.LimitChange {
	rules := b.prior.Rules
	if rules.OldLimits == nil {
		return nil
	}
	var over []idsql.LimitChange
	for _, t := range b.Project.IDTypes {
		old, had := rules.OldLimits[t.Name]
		switch {
		case t.Limit == nil && !had, t.Limit != nil && had && *t.Limit == old:
			continue
		case t.Limit != nil && (!had || *t.Limit < old):
			old = *t.Limit
		}
		over = append(over, idsql.LimitChange{Type: t.Name, Limit: old})
	}
	return over
}

// rowsWith is the data of inc_rows_with: the columns cols of the rows of a source after this
// run that hold an identifier of the work table nodes.
func (b *build) rowsWith(s config.Source, nodes, cols string) idsql.IncRowsWithData {
	return idsql.IncRowsWithData{Stored: b.state(stateRows + s.Name), Window: orAll(b.windows[s.Name]), Changed: "gone_" + s.Name, Ins: "ins_" + s.Name,
		Slots: b.bySource[s.Name], Nodes: nodes, Cols: cols}
}

// regionColumns are the columns of a source's rows that the stages after the region stage read:
// the timestamp, the trait inputs and the node ids.
func (b *build) regionColumns(s config.Source) string {
	cols := []string{"ts", "row_hash"}
	for _, t := range b.traitInputs(s) {
		cols = append(cols, fmt.Sprintf("t%d", t.N), fmt.Sprintf("f%d", t.N))
	}
	return strings.Join(cols, ", ") + ", " + nodeColumns(b.bySource[s.Name], false)
}

// changedSlots are every source's slots over its rows that are new or changed (ins_<source>) and
// over the stored rows they replace (del_<source>), and of those, the slots with checks.
func (b *build) changedSlots() (ins, del, checkedIns, checkedDel []idsql.Slot) {
	for _, s := range b.sources() {
		for _, sl := range b.bySource[s.Name] {
			in, dl := sl, sl
			in.Table, dl.Table = "ins_"+s.Name, "del_"+s.Name
			ins, del = append(ins, in), append(del, dl)
			if len(sl.Checks) > 0 {
				checkedIns, checkedDel = append(checkedIns, in), append(checkedDel, dl)
			}
		}
	}
	return ins, del, checkedIns, checkedDel
}
