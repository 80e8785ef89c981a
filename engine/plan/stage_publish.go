package plan

import (
	"slices"
	"strings"

	"github.com/idstitch/idstitch/dialects"
	"github.com/idstitch/idstitch/engine/config"
	"github.com/idstitch/idstitch/engine/render"
	idsql "github.com/idstitch/idstitch/sql"
)

// publishAll puts every output and state table of a full run in place. With transactions over
// DDL they are swapped in together. Without, each is replaced on its own, from statements that
// the runner journals first (see Journal), and what must change together (history, state
// metadata, the run's success) commits in one transaction at the end.
func (b *build) publishAll() {
	if !b.Dialect.Supports(dialects.TransactionalDDL) {
		b.publishJournaled()
		return
	}
	st := Stage{Kind: KindPublish, Name: "publish", Note: "swap the new tables in, all together", Atomic: true}
	// Stitched views read id_graph: they are dropped before it is swapped (Postgres refuses to
	// drop a table a view depends on) and made again right after, in the same transaction.
	var views []Statement
	for _, s := range b.sources() {
		st.Statements = append(st.Statements, Statement{SQL: b.Dialect.DropView(b.out(s.Name + "_stitched"))})
		views = append(views, b.view(s))
	}
	// The history compares the new members with the open entries, before the swap.
	st.Statements = append(st.Statements, b.audienceHistory()...)
	for _, t := range Published {
		st.Statements = append(st.Statements, b.swap(b.next(t), b.out(t), t)...)
	}
	st.Statements = append(st.Statements, views...)
	for _, t := range b.stateTables() {
		st.Statements = append(st.Statements, b.swap(b.stateNext(t), b.state(t), t)...)
	}
	st.Statements = append(st.Statements, b.StateMeta().write()...)
	st.Statements = append(st.Statements, b.changesInsert(b.workTable("changes")))
	st.Statements = append(st.Statements, b.overridesPublish()...)
	st.Statements = append(st.Statements, b.identifyPublish()...)
	st.Statements = append(st.Statements, b.forgetPublish()...)
	b.add(st)
}

// publishJournaled is publishAll without transactions over DDL. Views are replaced, never
// dropped: these warehouses resolve a view's tables when it is queried, so a view stays
// readable while the tables under it are replaced.
func (b *build) publishJournaled() {
	st := Stage{Kind: KindPublish, Name: "publish",
		Note: "replace each table from its new version, then commit the history and the state together (this warehouse has no transactions over DDL; a publish that stops part-way is completed by the next run)"}
	for _, t := range Published {
		st.Statements = append(st.Statements, b.replace(b.next(t), b.out(t))...)
	}
	for _, s := range b.sources() {
		st.Statements = append(st.Statements, b.view(s))
	}
	for _, t := range b.stateTables() {
		st.Statements = append(st.Statements, b.replace(b.stateNext(t), b.state(t))...)
	}
	// The new audience members are still in their next table: replacements leave it.
	st.Commit = append(st.Commit, b.audienceHistory()...)
	st.Commit = append(st.Commit, b.StateMeta().write()...)
	st.Commit = append(st.Commit, b.changesInsert(b.next(IDChanges)))
	b.add(st)
	// What the overrides and the forget requests commit reads the work schema, which a publish
	// completed by a later run cannot (see outputsAll); it follows the commit instead, and every
	// statement of it can run again: a run that stops in between leaves the requests waiting for
	// the next.
	// The provisional changes go before the erasure, which deletes those that name an id derived
	// from a forgotten value, as the other warehouses' publish does.
	if after := append(append(b.overridesPublish(), b.identifyPublish()...), b.forgetPublish()...); len(after) > 0 {
		b.add(Stage{Kind: KindAfterPublish, Name: "controls_after", Note: "the overrides' statuses and the forget requests carried out", Statements: after})
	}
}

// replace makes final a copy of next, in next's layout, by statements that can each run again.
func (b *build) replace(next, final string) []Statement {
	var out []Statement
	for _, q := range b.Dialect.ReplaceLaidOut(next, final, b.layout[next]) {
		out = append(out, Statement{SQL: q})
	}
	return out
}

// view makes the stitched view of a source.
func (b *build) view(s config.Source) Statement {
	return Statement{Note: "source " + s.Name + " with the universal id of each row", SQL: b.Dialect.CreateView(b.out(s.Name+"_stitched"), b.stitchedView(s, b.forgetFilter()))}
}

// changesInsert appends the run's changes, read from the table from, to id_changes.
func (b *build) changesInsert(from string) Statement {
	return stmt(b, idsql.IDChangesInsert, idsql.IDChangesInsertData{RunID: b.runID, From: from, Scope: b.scoping(nil)})
}

// publishRegion replaces the recomputed regions' rows of the outputs and brings the state up to
// date, all together: it is DML only, so one transaction holds it on every warehouse.
//
// What BigQuery bills for it, on demand ("DML statements in GoogleSQL", on-demand query size
// calculation): an INSERT the bytes its query reads; a DELETE those bytes plus the size of the
// table it deletes from, all columns, or of the partitions it scans and updates when the table is
// partitioned. Each DELETE therefore filters on the columns its table is arranged by (see
// layouts): universal_id for profiles and id_edges, node_id for the regions, and the window, a
// constant on the partitioning column, with row_hash for the stored rows, whose DELETE bills the
// window's partitions only. id_graph is clustered for lookups by identifier and deleted from by
// node_id, which is no cheaper than by value: an unpartitioned table bills its whole size for a
// DELETE whatever the filter prunes.
func (b *build) publishRegion() {
	st := Stage{Kind: KindPublish, Name: "publish", Note: "replace the recomputed regions' rows and update the state, all together", Atomic: true}
	st.Statements = append(st.Statements,
		b.deleteIn(b.out(IDGraph), "node_id", "graph_write"),
		stmt(b, idsql.IncInsertWritten, idsql.IncInsertWrittenData{Table: b.out(IDGraph), Query: render.SQL(b.r, idsql.IDGraph, idsql.IDGraphData{Scope: b.scoping(nil)}), Written: "graph_write"}),
		b.deleteIn(b.out(Profiles), "universal_id", "redo_ids"),
		b.insertFrom(b.out(Profiles), "*", "profiles_region"),
		stmt(b, idsql.IncEdgesDelete, idsql.IncEdgesData{Scope: b.scoping(nil)}),
		stmt(b, idsql.IncEdgesInsert, idsql.IncEdgesData{Scope: b.scoping(nil)}),
	)
	st.Statements = append(st.Statements, b.audienceHistory()...)
	for _, t := range []string{IDQuarantine, AudienceMembers} {
		st.Statements = append(st.Statements, b.replaceRows(b.next(t), b.out(t), t)...)
	}
	st.Statements = append(st.Statements, b.stateUpdates()...)
	st.Statements = append(st.Statements, b.StateMeta().write()...)
	st.Statements = append(st.Statements, b.changesInsert(b.workTable("changes")))
	st.Statements = append(st.Statements, b.overridesPublish()...)
	st.Statements = append(st.Statements, b.identifyPublish()...)
	st.Statements = append(st.Statements, b.forgetPublish()...)
	b.add(st)
}

// replaceRows makes the rows of next those of the published table final, inside the publish
// transaction: by a swap where DDL is transactional, else by DML, which leaves next for the
// runner to drop after the commit.
func (b *build) replaceRows(next, final, name string) []Statement {
	if b.Dialect.Supports(dialects.TransactionalDDL) {
		return b.swap(next, final, name)
	}
	return []Statement{
		stmt(b, idsql.DeleteAll, idsql.DeleteAllData{Table: final}),
		stmt(b, idsql.CopyRows, idsql.CopyRowsData{Table: final, From: next}),
	}
}

// stateUpdates bring the state tables up to date after an incremental run: each source's rows,
// the hubs, the invalid and blocked values and the regions.
func (b *build) stateUpdates() []Statement {
	var out []Statement
	for _, s := range b.sources() {
		rows := b.state(stateRows + s.Name)
		del := stmt(b, idsql.IncRowsDelete, idsql.IncRowsDeleteData{Table: rows, Window: orAll(b.windows[s.Name]), Gone: "gone_" + s.Name})
		del.Note = "the rows of " + s.Name
		out = append(out, del, b.insertFrom(rows, "*", "ins_"+s.Name))
	}
	if b.hubs() {
		out = append(out,
			stmt(b, idsql.DeleteAll, idsql.DeleteAllData{Table: b.state(stateHubs)}),
			b.insertFrom(b.state(stateHubs), "node_id, degree, id_type, id_value", "hubs_named"))
	}
	return append(out,
		stmt(b, idsql.DeleteAll, idsql.DeleteAllData{Table: b.state(stateQValues)}),
		b.insertFrom(b.state(stateQValues), "id_type, id_value, reason, evidence", "qvalues_new"),
		b.deleteIn(b.state(stateRegions), "node_id", "regions_write"),
		stmt(b, idsql.IncInsertWritten, idsql.IncInsertWrittenData{Table: b.state(stateRegions), Query: render.SQL(b.r, idsql.IncRegionsRows, idsql.IncRegionsRowsData{}), Written: "regions_write"}),
	)
}

// audienceHistory closes the entries of members who left and opens those of new members.
func (b *build) audienceHistory() []Statement {
	return []Statement{
		stmt(b, idsql.AudienceExits, idsql.AudienceExitsData{}),
		stmt(b, idsql.AudienceEntries, idsql.AudienceEntriesData{RunID: b.runID}),
	}
}

// swap makes the table next the published table final.
func (b *build) swap(next, final, name string) []Statement {
	var out []Statement
	for _, q := range b.Dialect.Publish(next, final, name) {
		out = append(out, Statement{SQL: q})
	}
	return out
}

func (b *build) deleteIn(table, column, from string) Statement {
	return stmt(b, idsql.DeleteIn, idsql.DeleteInData{Table: table, Column: column, From: from})
}

func (b *build) insertFrom(table, columns, from string) Statement {
	return stmt(b, idsql.InsertFrom, idsql.InsertFromData{Table: table, Columns: columns, From: from})
}

// Cleanup drops the tables a run leaves beside the published ones: after a failure, and where
// the publish copies rather than renames, after it.
func (pl *Planner) Cleanup() []Statement {
	var out []Statement
	for _, t := range append(slices.Clone(Published), IDChanges) {
		out = append(out, Statement{SQL: pl.Dialect.DropTable(pl.names.next(t))})
	}
	for _, t := range pl.stateTables() {
		out = append(out, Statement{SQL: pl.Dialect.DropTable(pl.names.stateNext(t))})
	}
	return out
}

// EmptyOutputs drops the published tables that setup makes empty for a first run to compare
// with: a dry run before any run leaves none of them.
func (pl *Planner) EmptyOutputs() []Statement {
	var out []Statement
	for _, t := range []string{IDGraph, AudienceMembers, AudienceHistory, IDChanges} {
		out = append(out, Statement{SQL: pl.Dialect.DropTable(pl.names.out(t))})
	}
	return out
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
