// Package outputs describes the tables a run publishes, column by column, in the words of the
// README's "What a run publishes": the dbt property file and the LookML views take their
// descriptions from here, so that every tool says the same thing.
package outputs

import (
	"strings"

	"github.com/idstitch/idstitch/engine/config"
)

// Table is a published table or view.
type Table struct {
	Name string
	// Row is what one row stands for, as the README's table says.
	Row         string
	Description string
	Columns     []Column
	// ErasureQueue marks forget_requests: its rows are values people asked to have erased,
	// kept only until the next run carries the requests out and deletes them. The dbt property
	// file leaves it out, so that no model copies those values where erasure cannot reach them.
	ErasureQueue bool
}

// Column is a column of a published table.
type Column struct {
	Name        string
	Description string
	// Time marks a timestamp column.
	Time bool
}

// RunStatuses are the values of runs.status.
var RunStatuses = []string{"running", "success", "failed", "dry_run"}

// OverrideStatuses are the values of overrides.status.
var OverrideStatuses = []string{"pending", "applied", "refused", "waiting", "invalid"}

// Tables lists the tables and views a run of the project publishes, in the README's order.
func Tables(p *config.Project) []Table {
	tables := []Table{
		{Name: "id_graph", Row: "identifier", Description: "Every identifier and the profile it belongs to.", Columns: []Column{
			{Name: "universal_id", Description: "The profile the identifier belongs to."},
			{Name: "id_type", Description: "The identifier's type, as the project file's id_types name it."},
			{Name: "id_value", Description: "The identifier's value, normalized."},
			{Name: "first_seen_at", Description: "When a source row first held the identifier.", Time: true},
			{Name: "last_seen_at", Description: "When a source row last held the identifier.", Time: true},
			{Name: "row_count", Description: "How many source rows held the identifier."},
			{Name: "node_id", Description: "The identifier's 64-bit node id in the graph."},
		}},
		{Name: "profiles", Row: "universal id", Description: "One profile per customer, with its traits and audiences.", Columns: profileColumns(p)},
		{Name: "id_edges", Row: "linked pair within a profile", Description: "The evidence behind every link: two identifiers seen on the same rows.", Columns: []Column{
			{Name: "universal_id", Description: "The profile both identifiers belong to."},
			{Name: "id_type_a", Description: "The first identifier's type."},
			{Name: "id_value_a", Description: "The first identifier's value."},
			{Name: "id_type_b", Description: "The second identifier's type."},
			{Name: "id_value_b", Description: "The second identifier's value."},
			{Name: "row_count", Description: "How many source rows held both."},
			{Name: "first_seen_at", Description: "When a source row first held both.", Time: true},
			{Name: "last_seen_at", Description: "When a source row last held both.", Time: true},
			{Name: "sources", Description: "The sources whose rows linked them."},
		}},
		{Name: "id_quarantine", Row: "identifier kept out", Description: "Identifiers kept out of the graph, with the reason.", Columns: []Column{
			{Name: "id_type", Description: "The identifier's type."},
			{Name: "id_value", Description: "The identifier's value."},
			{Name: "reason", Description: "Why it is kept out: blocked, invalid, a hub, a limit conflict."},
			{Name: "evidence", Description: "What the guard saw, such as the number of partners of a hub."},
			{Name: "run_id", Description: "The run that kept it out."},
		}},
		{Name: "audience_members", Row: "(audience, universal id)", Description: "The profiles in each audience.", Columns: []Column{
			{Name: "audience", Description: "The audience, as the project file's audiences name it."},
			{Name: "universal_id", Description: "A profile in the audience."},
			{Name: "entered_at", Description: "When the profile entered the audience.", Time: true},
		}},
		{Name: "audience_history", Row: "entry into an audience", Description: "Every entry into and exit from an audience, kept across runs.", Columns: []Column{
			{Name: "audience", Description: "The audience."},
			{Name: "universal_id", Description: "The profile that entered it."},
			{Name: "entered_at", Description: "When the profile entered the audience.", Time: true},
			{Name: "exited_at", Description: "When it left; empty while it is a member.", Time: true},
			{Name: "run_id", Description: "The run that recorded the entry."},
		}},
	}
	if p.Scoped() {
		scoped(tables)
	}
	for _, s := range p.Sources {
		tables = append(tables, Table{Name: s.Name + "_stitched", Row: "source row",
			Description: stitchedDescription(s),
			Columns:     []Column{{Name: "universal_id", Description: "The profile of the row's first identifier."}}})
	}
	tables = append(tables,
		Table{Name: "id_changes", Row: "change of ids", Description: "Every change of universal ids, appended by every run.", Columns: []Column{
			{Name: "run_id", Description: "The run that made the change."},
			{Name: "changed_at", Description: "When the run made it.", Time: true},
			{Name: "kind", Description: "new, merge, split, quarantine, or provisional (an identify answer the run published otherwise)."},
			{Name: "old_universal_id", Description: "The universal id before the change; empty for a new profile."},
			{Name: "new_universal_id", Description: "The universal id after the change."},
			{Name: "identifiers", Description: "How many identifiers changed profile."},
		}},
		Table{Name: "runs", Row: "run", Description: "Every run: its status, mode, counts and seconds per stage.", Columns: []Column{
			{Name: "run_id", Description: "The run's number."},
			{Name: "project", Description: "The project that ran."},
			{Name: "started_at", Description: "When the run started.", Time: true},
			{Name: "finished_at", Description: "When the run finished; empty while it runs.", Time: true},
			{Name: "status", Description: "running, success, failed or dry_run."},
			{Name: "mode", Description: "full or incremental."},
			{Name: "algorithm", Description: "How connected components were found."},
			{Name: "rows_read", Description: "Source rows read."},
			{Name: "nodes", Description: "Identifiers in the graph."},
			{Name: "edges", Description: "Links in the graph."},
			{Name: "components", Description: "Profiles."},
			{Name: "largest_component", Description: "Identifiers in the largest profile."},
			{Name: "rounds", Description: "Rounds of the connected-components search."},
			{Name: "stage_seconds", Description: "Seconds per stage, JSON."},
			{Name: "error", Description: "Why the run failed."},
			{Name: "quarantined", Description: "Identifiers quarantined by reason, JSON."},
			{Name: "rows_by_source", Description: "Rows read per source, JSON."},
			{Name: "watermarks", Description: "The watermark each source was read from, JSON; empty for a full run."},
			{Name: "components_changed", Description: "The profiles the run wrote."},
			{Name: "future_rows", Description: "Rows dated later than the run's clock allows."},
			{Name: "controls", Description: "What the run did with overrides and forget requests, counts by name, JSON; empty for runs before them."},
		}},
		Table{Name: "overrides", Row: "override", Description: "Decisions people write between runs: never link two identifiers, always link them, block or unblock one. Every run reads them and writes back each one's status.", Columns: []Column{
			{Name: "override_id", Description: "The override's id, unique; the commands and the API write ovr_ and a random part."},
			{Name: "kind", Description: "never_link, always_link, block or unblock."},
			{Name: "id_type_a", Description: "The first identifier's type."},
			{Name: "id_value_a", Description: "The first identifier's value as written; the run normalizes it as its type says."},
			{Name: "id_type_b", Description: "The second identifier's type; empty for block and unblock."},
			{Name: "id_value_b", Description: "The second identifier's value as written; empty for block and unblock."},
			{Name: "created_by", Description: "Who asked for it."},
			{Name: "reason", Description: "Why."},
			{Name: "created_at", Description: "When it was written.", Time: true},
			{Name: "status", Description: "pending until a run reads it, then applied, refused, waiting or invalid."},
			{Name: "status_detail", Description: "Why the run gave that status, in words that name no value."},
			{Name: "status_run_id", Description: "The run that gave the status."},
		}},
		Table{Name: "forget_requests", Row: "request", ErasureQueue: true, Description: "Requests to forget an identifier, or to withdraw that; the next run carries them out and deletes them.", Columns: []Column{
			{Name: "request_id", Description: "The request's id; a row without one stays and is counted invalid."},
			{Name: "action", Description: "forget or withdraw."},
			{Name: "id_type", Description: "The identifier's type."},
			{Name: "id_value", Description: "The identifier's value as written; the run normalizes it as its type says."},
			{Name: "requested_by", Description: "Who asked for it."},
			{Name: "requested_at", Description: "When it was asked for; the latest request of an identifier decides.", Time: true},
		}},
		Table{Name: "forget_audit", Row: "identifier forgotten", Description: "Every identifier forgotten, as a salted hash only; a value whose hash is here stays out of every run.", Columns: []Column{
			{Name: "value_hash", Description: "The MD5 of the id salt, forget, the id type and the normalized value."},
			{Name: "requested_at", Description: "When the erasure was asked for.", Time: true},
			{Name: "forgotten_at", Description: "When the run carried it out.", Time: true},
			{Name: "run_id", Description: "The run that carried it out."},
		}},
	)
	if p.Identify != nil {
		cols := []Column{
			{Name: "event_id", Description: "The call's event id; a retried call is recorded once."},
			{Name: "received_at", Description: "When the call was answered; the source's timestamp.", Time: true},
			{Name: "answered_id", Description: "The universal id the call answered."},
			{Name: "answered_type", Description: "The type of the identifier whose profile the answer was."},
			{Name: "answered_value", Description: "That identifier's value, normalized."},
			{Name: "confirmed_run", Description: "The run that read the call and compared its answer; empty until one has."},
		}
		for _, t := range p.IDTypes {
			cols = append(cols, Column{Name: config.LandingColumn(t.Name), Description: "The " + t.Name + " the call gave, as written."})
		}
		tables = append(tables, Table{Name: p.Identify.Table, Row: "identify call", Columns: cols,
			Description: "Every identify call, recorded as it was answered; every run reads it as the source identify."})
	}
	if len(p.Destinations) > 0 {
		tables = append(tables, Table{Name: "delivery_dead_letters", Row: "webhook batch given up",
			Description: "Webhook batches that exhausted their attempts, whole, to send again by hand.", Columns: []Column{
				{Name: "destination", Description: "The destination, as the project file names it."},
				{Name: "idempotency_key", Description: "The batch's key: project, destination, run and batch number."},
				{Name: "run_id", Description: "The run whose changes the batch carried."},
				{Name: "attempts", Description: "How many times it was sent."},
				{Name: "last_error", Description: "Why the last attempt failed."},
				{Name: "payload", Description: "The batch's JSON body, as sent."},
				{Name: "failed_at", Description: "When it was given up.", Time: true},
			}})
	}
	return tables
}

// scoped adds the columns a project with scopes publishes (docs/scopes.md).
func scoped(tables []Table) {
	scope := Column{Name: "scope", Description: "The identifier's scope: its own for a local id type; empty for a shared one, which is one identifier across its pool."}
	pool := Column{Name: "pool", Description: "The pool of scopes the identifier belongs to; profiles never span two pools."}
	add := map[string][]Column{
		"id_graph":      {scope, pool},
		"profiles":      {{Name: "pool", Description: "The pool of scopes the profile belongs to."}},
		"id_quarantine": {scope, pool},
		"id_edges": {{Name: "scope_a", Description: "The first identifier's scope, for a local id type."},
			{Name: "scope_b", Description: "The second identifier's scope, for a local id type."}, pool},
	}
	for i := range tables {
		tables[i].Columns = append(tables[i].Columns, add[tables[i].Name]...)
	}
}

func profileColumns(p *config.Project) []Column {
	cols := []Column{
		{Name: "universal_id", Description: "The profile's id: the MD5 of the id salt and its anchor identifier, stable across runs."},
		{Name: "first_seen_at", Description: "When the profile's first identifier was first seen.", Time: true},
		{Name: "last_seen_at", Description: "When any of its identifiers was last seen.", Time: true},
		{Name: "identifiers", Description: "How many identifiers the profile holds."},
	}
	for _, t := range p.IDTypes {
		cols = append(cols,
			Column{Name: t.Name + "_count", Description: "How many " + t.Name + " identifiers the profile holds."},
			Column{Name: "latest_" + t.Name, Description: "The profile's " + t.Name + " seen last."})
	}
	for _, t := range p.Traits {
		cols = append(cols, Column{Name: t.Name, Description: TraitDescription(t), Time: TraitIsTime(p, t)})
	}
	cols = append(cols, attributeColumns(p)...)
	for _, a := range p.Audiences {
		cols = append(cols, Column{Name: a.Name, Description: "Whether the profile is in the audience " + a.Name + ": " + a.Where + "."})
	}
	return cols
}

// TraitDescription is the trait's description from the project file, or else what it computes.
func TraitDescription(t config.Trait) string {
	if t.Description != "" {
		return t.Description
	}
	d := "Trait: the " + t.Agg + " of " + t.Expr + " over the profile's rows of " + t.Source
	if t.Agg == "count" && t.Expr == "" {
		d = "Trait: the number of the profile's rows of " + t.Source
	}
	if t.Filter != "" {
		d += " where " + t.Filter
	}
	if t.WindowDays > 0 {
		d += ", in the last " + t.Window
	}
	return d + "."
}

// TraitIsTime reports whether a trait is a timestamp: a min, max, first or latest of its
// source's timestamp column, or of a column whose name says it is one (ends in _at, _time, _ts
// or _date).
func TraitIsTime(p *config.Project, t config.Trait) bool {
	switch t.Agg {
	case "min", "max", "first", "latest":
	default:
		return false
	}
	if !config.IsColumn(t.Expr) {
		return false
	}
	for _, s := range p.Sources {
		if s.Name == t.Source && s.Timestamp != "" && strings.EqualFold(s.Timestamp, t.Expr) {
			return true
		}
	}
	e := strings.ToLower(t.Expr)
	for _, suffix := range []string{"_at", "_time", "_ts", "_date", "timestamp"} {
		if strings.HasSuffix(e, suffix) || e == strings.TrimPrefix(suffix, "_") {
			return true
		}
	}
	return false
}

func stitchedDescription(s config.Source) string {
	d := "The rows of the source " + s.Name + " (" + s.Table
	if n := s.DBTName(); n != "" {
		d += ", the dbt " + n
	}
	d += ") with the universal_id of each row's first identifier."
	if s.Description != "" {
		d = s.Description + " " + d
	}
	return d
}
