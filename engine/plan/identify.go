package plan

import (
	"github.com/idstitch/idstitch/dialects"
	"github.com/idstitch/idstitch/engine/config"
	"github.com/idstitch/idstitch/engine/render"
	idsql "github.com/idstitch/idstitch/sql"
)

// Identify calls land in a table of the output schema that each run reads as a source
// (config.LandingSource). Setup makes it; serve's journal is flushed into it before each run; the
// publish compares what identify answered with what the run published.

// LandingTable is the full name of the identify landing table; "" without identify.
func (pl *Planner) LandingTable() string {
	if pl.Project.Identify == nil {
		return ""
	}
	return pl.names.out(pl.Project.Identify.Table)
}

// LandingColumns are the landing table's id type columns, in the order of the id types.
func (pl *Planner) LandingColumns() []string {
	var out []string
	for _, t := range pl.Project.IDTypes {
		out = append(out, config.LandingColumn(t.Name))
	}
	return out
}

// LandingTables creates the landing table where it is missing, and the column of an id type added
// to the project after it was made.
func (pl *Planner) LandingTables() []Statement {
	if pl.Project.Identify == nil {
		return nil
	}
	return pl.landingAt(pl.LandingTable())
}

// landingAt creates a landing table named table.
func (pl *Planner) landingAt(table string) []Statement {
	out := []Statement{{SQL: render.SQL(pl.names.r, idsql.IdentifyCreate, idsql.IdentifyCreateData{Table: table, Columns: pl.LandingColumns()}),
		Note: "identify calls, read by each run as the source " + config.LandingSource}}
	for _, c := range pl.LandingColumns() {
		out = append(out, Statement{SQL: pl.Dialect.AddColumn(table, c, dialects.Text)})
	}
	return out
}

// LandingCopy creates table with the landing table's columns, for a rehearsal that reads a copy
// of every source: the landing table itself may not exist before the first run.
func (pl *Planner) LandingCopy(table string) []string {
	var out []string
	for _, s := range pl.landingAt(table)[:1] {
		out = append(out, s.SQL)
	}
	return out
}

// LandingFlush is the statement that appends the calls loaded into the table from to the
// landing table, each event id once.
func (pl *Planner) LandingFlush(from string) string {
	return render.SQL(pl.names.r, idsql.IdentifyFlush, idsql.IdentifyFlushData{Table: pl.LandingTable(), Columns: pl.LandingColumns(), From: from})
}

// identifyPublish records, with the run's changes, where the run published another id than
// identify answered, and marks the calls it read as confirmed. Both read the published id_graph,
// so they follow whatever replaced it; the first writes nothing when it ran already for this run.
func (b *build) identifyPublish() []Statement {
	if b.Project.Identify == nil {
		return nil
	}
	data := idsql.IdentifyConfirmData{Table: b.LandingTable(), RunID: b.runID}
	return []Statement{
		{SQL: render.SQL(b.r, idsql.IdentifyConfirm, data), Note: "identify answers the run published otherwise, as provisional changes"},
		{SQL: render.SQL(b.r, idsql.IdentifyMark, data), Note: "the identify calls the run read, confirmed"},
	}
}

// LandingLoad is the name of the table, beside the landing table named landing, that a flush of
// serve's journal loads calls into before appending them.
func LandingLoad(landing string) string { return landing + "__load" }

// LandingEvent reads the answer recorded for the event id bound first.
func (pl *Planner) LandingEvent() string {
	return render.SQL(pl.names.r, idsql.IdentifyEvent, idsql.IdentifyEventData{Table: pl.LandingTable()})
}

// identifyForget wipes from the landing table the values a run forgets: the calls that held them
// stay, without them.
func (b *build) identifyForget() []Statement {
	if b.Project.Identify == nil || !b.erases() {
		return nil
	}
	var out []Statement
	for _, t := range b.Project.IDTypes {
		col := config.LandingColumn(t.Name)
		out = append(out, stmt(b, idsql.IdentifyForget, idsql.IdentifyForgetData{Table: b.LandingTable(), Name: t.Name, Column: col, A: b.normalize(t, b.Dialect.QuoteIdent(col))}))
	}
	return append(out, stmt(b, idsql.IdentifyForgetIDs, idsql.IdentifyForgetIDsData{Table: b.LandingTable()}))
}
