package cli

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"time"

	"github.com/idstitch/idstitch/engine/config"
	"github.com/idstitch/idstitch/engine/plan"
	"github.com/idstitch/idstitch/engine/runner"
)

// recorder keeps what a run told its observer: when it began, and its summary, also when it
// failed.
type recorder struct {
	started *runner.Started
	sum     *runner.Summary
}

func (r *recorder) RunStarted(_ context.Context, s runner.Started) { r.started = &s }

func (r *recorder) RunEnded(_ context.Context, sum *runner.Summary, _ error) { r.sum = sum }

// runJSONFormat is the version of the object `run --json` prints; it changes only when a key
// changes meaning or goes away (docs/orchestrators.md).
const runJSONFormat = 1

// runJSON is what `run --json` prints: one object, every key always present (null when the run
// did not get as far as measuring it).
type runJSON struct {
	Format          int                   `json:"format"`
	Project         *string               `json:"project"`
	OutputSchema    *string               `json:"output_schema"`
	RunID           *int64                `json:"run_id"`
	Status          string                `json:"status"`
	ExitCode        int                   `json:"exit_code"`
	Error           *string               `json:"error"`
	Mode            *string               `json:"mode"`
	FullReason      *string               `json:"full_reason"`
	Path            *string               `json:"path"`
	StartedAt       *string               `json:"started_at"`
	FinishedAt      *string               `json:"finished_at"`
	Seconds         *float64              `json:"seconds"`
	RowsRead        *int64                `json:"rows_read"`
	RowsBySource    map[string]int64      `json:"rows_by_source"`
	Identifiers     *int64                `json:"identifiers"`
	Links           *int64                `json:"links"`
	Profiles        *int64                `json:"profiles"`
	LargestProfile  *int64                `json:"largest_profile"`
	Rounds          *int                  `json:"rounds"`
	ProfilesWritten *int64                `json:"profiles_written"`
	Quarantined     map[string]int64      `json:"quarantined"`
	Changes         map[string]changeJSON `json:"changes"`
	StageSeconds    map[string]float64    `json:"stage_seconds"`
	Controls        map[string]int64      `json:"controls"`
	Warnings        []string              `json:"warnings"`
}

type changeJSON struct {
	Rows        int64 `json:"rows"`
	Identifiers int64 `json:"identifiers"`
}

// The statuses of `run --json`: the runs table's for a run that began, not_run for one that
// could not begin (the exit code says why).
const (
	statusSuccess = "success"
	statusDryRun  = "dry_run"
	statusFailed  = "failed"
	statusNotRun  = "not_run"
)

// writeRunJSON prints the object of a run that ended with runErr; p is nil when the project
// file could not be read.
func writeRunJSON(w io.Writer, p *config.Project, rec *recorder, runErr error) error {
	out := runJSON{Format: runJSONFormat, Status: statusNotRun, ExitCode: exitCode(runErr), Warnings: []string{}}
	if p != nil {
		out.Project, out.OutputSchema = &p.Project, &p.Output.Schema
	}
	if runErr != nil {
		msg := sentence(runErr)
		out.Error = &msg
	}
	var se *runner.StageError
	if errors.As(runErr, &se) && se.RunID > 0 {
		out.RunID, out.Status = &se.RunID, statusFailed
	}
	if rec.started != nil {
		id, at := rec.started.RunID, rec.started.At.UTC().Format(time.RFC3339Nano)
		out.RunID, out.StartedAt, out.Status = &id, &at, statusFailed
	}
	if s := rec.sum; s != nil {
		fillRun(&out, s, runErr == nil)
		if rec.started != nil {
			end := rec.started.At.Add(s.Elapsed).UTC().Format(time.RFC3339Nano)
			out.FinishedAt = &end
		}
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}

// fillRun sets what the summary says; the counts only when the run measured them (it ended
// well).
func fillRun(out *runJSON, s *runner.Summary, ok bool) {
	mode := s.Mode
	out.Mode = &mode
	if s.Reason != "" {
		reason := s.Reason
		out.FullReason = &reason
	}
	if s.Path != "" {
		path := s.Path
		out.Path = &path
	}
	seconds := s.Elapsed.Seconds()
	out.Seconds = &seconds
	out.StageSeconds = map[string]float64{}
	for _, st := range s.Stages {
		out.StageSeconds[st.Stage] = st.Seconds
	}
	out.Warnings = append(out.Warnings, s.Warnings...)
	if !ok {
		return
	}
	out.Status = statusSuccess
	if s.DryRun {
		out.Status = statusDryRun
	}
	r := s.Result
	out.RowsRead, out.Identifiers, out.Links, out.Profiles, out.LargestProfile = &r.RowsRead, &r.Nodes, &r.Edges, &r.Components, &r.Largest
	out.Rounds = &r.Rounds
	if s.Mode == plan.ModeIncremental {
		out.ProfilesWritten = &r.ComponentsChanged
	}
	out.RowsBySource = s.RowsBySource
	out.Quarantined = map[string]int64{}
	for _, reason := range plan.Reasons {
		out.Quarantined[reason] = r.Quarantined[reason]
	}
	// What the run did with overrides and forget requests, by name as runs.controls has it:
	// empty when the run read neither.
	out.Controls = map[string]int64{}
	for k, n := range r.Controls {
		out.Controls[k] = n
	}
	out.Changes = map[string]changeJSON{}
	for _, k := range []string{"new", "merge", "split", "quarantine"} {
		c := s.Changes[k]
		out.Changes[k] = changeJSON{Rows: c.Rows, Identifiers: c.Identifiers}
	}
}
