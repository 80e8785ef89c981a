package plan

import (
	"github.com/idstitch/idstitch/dialects"
	"github.com/idstitch/idstitch/engine/render"
	idsql "github.com/idstitch/idstitch/sql"
)

// Phases of a journaled publish.
const (
	// PhaseReplace statements each replace one published or state table (or view) from its
	// new version, which they leave in place: running one again gives the same result.
	PhaseReplace = "replace"
	// PhaseCommit statements run together in one transaction, after every replacement: they
	// are DML, which a transaction holds on every warehouse.
	PhaseCommit = "commit"
)

// stateJournal is the state table holding the publish that has not finished.
const stateJournal = "publish_journal"

// Journal is the publish journal of warehouses without transactions over DDL. There a full run
// cannot swap its tables in together, so it first records the statements that publish it, then
// runs them; a run that stops part-way leaves the journal, and the next run completes that
// publish before it does anything else. Each replacement can run again, and the statements that
// end the publish (history, state metadata, the run's success, clearing the journal) commit
// together, so completing a publish twice gives what completing it once does.
type Journal struct {
	names names
	d     dialects.Dialect
}

// Journal returns the publish journal of the planner's project.
func (pl *Planner) Journal() Journal { return Journal{names: pl.names, d: pl.Dialect} }

// Needed reports whether this warehouse publishes full runs through the journal.
func (j Journal) Needed() bool { return !j.d.Supports(dialects.TransactionalDDL) }

// Create makes the journal table unless it exists.
func (j Journal) Create() Statement {
	return Statement{Note: "the publish of a full run that has not finished, completed by the next run",
		SQL: render.SQL(j.names.r, idsql.StateCreate, idsql.StateCreateData{Table: j.names.state(stateJournal), Columns: journalColumns})}
}

var journalColumns = []idsql.Column{{Name: "run_id", Type: "int64"}, {Name: "seq", Type: "int64"}, {Name: "phase", Type: "text"}, {Name: "statement", Type: "text"}}

// Write returns the statements, for one transaction, that record the publish of run runID:
// the replacements, then the statements committed together.
func (j Journal) Write(runID int64, replace, commit []string) []string {
	var entries []idsql.JournalEntry
	for _, q := range replace {
		entries = append(entries, idsql.JournalEntry{Seq: len(entries) + 1, Phase: PhaseReplace, SQL: q})
	}
	for _, q := range commit {
		entries = append(entries, idsql.JournalEntry{Seq: len(entries) + 1, Phase: PhaseCommit, SQL: q})
	}
	table := j.names.state(stateJournal)
	return []string{
		render.SQL(j.names.r, idsql.DeleteAll, idsql.DeleteAllData{Table: table}),
		render.SQL(j.names.r, idsql.JournalWrite, idsql.JournalWriteData{Table: table, RunID: runID, Entries: entries}),
	}
}

// Read is the query listing the journaled statements in order, as (run_id, phase, statement).
func (j Journal) Read() string {
	return render.SQL(j.names.r, idsql.JournalRead, idsql.JournalReadData{Table: j.names.state(stateJournal)})
}

// Clear empties the journal; it commits with the statements that end the publish.
func (j Journal) Clear() string {
	return render.SQL(j.names.r, idsql.DeleteAll, idsql.DeleteAllData{Table: j.names.state(stateJournal)})
}
