package plan

import (
	"fmt"
	"sort"
	"strings"

	"github.com/idstitch/idstitch/engine/render"
	idsql "github.com/idstitch/idstitch/sql"
)

// RunLog writes the runs table: a row per run, from its start to its end.
type RunLog struct {
	project   string
	algorithm Algorithm
	names     names
}

// RunLog returns the run records of the planner's project.
func (pl *Planner) RunLog() RunLog {
	return RunLog{project: pl.Project.Project, algorithm: pl.Algorithm, names: pl.names}
}

// Start records a run as running.
func (l RunLog) Start(runID int64, mode string) Statement {
	return Statement{SQL: render.SQL(l.names.r, idsql.RunStart, idsql.RunStartData{RunID: runID, Project: l.project, Mode: mode, Algorithm: string(l.algorithm)})}
}

// Abandoned marks as failed the runs still recorded as running. Only a warehouse that one
// process at a time can write may use it: there, a run recorded as running while another starts
// was killed before it could record its end.
func (l RunLog) Abandoned() Statement {
	return Statement{SQL: render.SQL(l.names.r, idsql.RunsAbandoned, idsql.RunsAbandonedData{
		Error: "the process running it ended before the run finished (killed, or the machine stopped); nothing it did was published"})}
}

// NextID is the query that gives the next run id.
func (l RunLog) NextID() string {
	return render.SQL(l.names.r, idsql.RunNextID, idsql.RunNextIDData{})
}

// Result is what a run measured, for the runs table.
type Result struct {
	RowsRead, Nodes, Edges, Components, Largest int64
	Rounds                                      int
	StageSeconds                                string
	// Quarantined counts identifiers kept out of the graph, by reason.
	Quarantined map[string]int64
	// RowsBySource and Watermarks are JSON objects keyed by source: the rows read, and the
	// watermark the run read from (null: the whole source).
	RowsBySource, Watermarks string
	// ComponentsChanged counts the profiles the run wrote.
	ComponentsChanged int64
	// FutureRows counts the rows read that are dated after the run's horizon (Planner.Horizon).
	FutureRows int64
	// Controls counts what the run did with the overrides and forget requests, by name
	// (overrides_applied, never_link_splits, forgotten_identifiers, …); see Plan.Controls.
	Controls map[string]int64
}

// ControlsJSON renders the counts of Controls as a JSON object with sorted keys, for the runs
// table.
func (r Result) ControlsJSON() string {
	keys := make([]string, 0, len(r.Controls))
	for k := range r.Controls {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%q: %d", k, r.Controls[k]))
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// QuarantinedJSON renders the counts per reason, every reason present, for the runs table.
func (r Result) QuarantinedJSON() string {
	var parts []string
	for _, reason := range Reasons {
		parts = append(parts, fmt.Sprintf("%q: %d", reason, r.Quarantined[reason]))
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// Succeeded marks a run as done; it belongs in the publish transaction so that the run row and
// the tables change together.
func (l RunLog) Succeeded(runID int64, r Result) Statement { return l.done(runID, "success", r) }

// DryRun marks a dry run as done: it computed a result and published nothing.
func (l RunLog) DryRun(runID int64, r Result) Statement { return l.done(runID, "dry_run", r) }

func (l RunLog) done(runID int64, status string, r Result) Statement {
	return Statement{SQL: render.SQL(l.names.r, idsql.RunDone, idsql.RunDoneData{RunID: runID, Status: status,
		RowsRead: r.RowsRead, Nodes: r.Nodes, Edges: r.Edges, Components: r.Components, Largest: r.Largest, Rounds: r.Rounds,
		StageSeconds: r.StageSeconds, Quarantined: r.QuarantinedJSON(), RowsBySource: r.RowsBySource, Watermarks: r.Watermarks,
		ComponentsChanged: r.ComponentsChanged, FutureRows: r.FutureRows, Controls: r.ControlsJSON()})}
}

// Failed records a failed run with its error.
func (l RunLog) Failed(runID int64, r Result, msg string) Statement {
	return Statement{SQL: render.SQL(l.names.r, idsql.RunFailed, idsql.RunFailedData{RunID: runID, Rounds: r.Rounds, StageSeconds: r.StageSeconds, Error: msg})}
}

// Changes counts this run's changes by kind, as (kind, profiles, identifiers) rows. It reads the
// work table a run leaves behind, so that a dry run can print what would change.
func (l RunLog) Changes() string {
	return render.SQL(l.names.r, idsql.ChangesCount, idsql.ChangesCountData{})
}
