package deliver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/idstitch/idstitch/internal/durable"
)

// Envelope is the body of a webhook POST.
type Envelope struct {
	IdempotencyKey string `json:"idempotency_key"`
	Project        string `json:"project"`
	Destination    string `json:"destination"`
	RunID          int64  `json:"run_id"`
	Batch          int    `json:"batch"`   // 1 to Batches
	Batches        int    `json:"batches"` // of this run, for this destination
	Items          []Item `json:"items"`
}

// Item is one change. Kind is profile, profile_removed, id_change, audience_entry or
// audience_exit; a removed profile carries UniversalID, every other kind carries Data.
type Item struct {
	Kind        string         `json:"kind"`
	Data        map[string]any `json:"data,omitzero"`
	UniversalID string         `json:"universal_id,omitempty"`
}

// line is an Item in a run file, which names its run on every line so that lines can be
// loaded together with those of other runs.
type line struct {
	RunID int64 `json:"run_id"`
	Item
}

// items lists a run's changes in the order destinations receive them.
func items(c Changes) []Item {
	var its []Item
	add := func(kind string, rows []map[string]any) {
		for _, r := range rows {
			its = append(its, Item{Kind: kind, Data: r})
		}
	}
	add("profile", c.Profiles)
	for _, id := range c.Removed {
		its = append(its, Item{Kind: "profile_removed", UniversalID: id})
	}
	add("id_change", c.IDChanges)
	add("audience_entry", c.Entries)
	add("audience_exit", c.Exits)
	return its
}

// batch is one POST body waiting in a destination's directory. The body is in <stem>.json and
// never changes; its delivery state is in <stem>.state, written after the first failed attempt.
type batch struct {
	stem  string
	runID int64
	state
}

type state struct {
	Attempts    int       `json:"attempts"`
	NextAttempt time.Time `json:"next_attempt"`
	LastError   string    `json:"last_error,omitempty"`
	FailedAt    time.Time `json:"failed_at,omitzero"`
	// Dead: the batch exhausted its attempts and waits for the dead-letter sink, which has
	// failed SinkAttempts times.
	Dead         bool `json:"dead,omitempty"`
	SinkAttempts int  `json:"sink_attempts,omitempty"`
}

// stem names a batch's files so that names sort in delivery order.
func stem(runID int64, seq int) string { return fmt.Sprintf("%020d-%010d", runID, seq) }

func parseStem(s string) (runID int64, ok bool) {
	if len(s) != 31 || s[20] != '-' {
		return 0, false
	}
	runID, err := strconv.ParseInt(s[:20], 10, 64)
	return runID, err == nil
}

// write splits a run's items into batches and writes their bodies. It returns the batches and
// the paths it wrote, even on error, so that the caller can remove them.
func (d *destination) write(ctx context.Context, project string, runID int64, its []Item) ([]*batch, []string, error) {
	n := (len(its) + d.BatchSize - 1) / d.BatchSize
	var bs []*batch
	var paths []string
	for seq := 1; seq <= n; seq++ {
		if err := ctx.Err(); err != nil {
			return nil, paths, err
		}
		part := its[(seq-1)*d.BatchSize : min(seq*d.BatchSize, len(its))]
		body, err := json.Marshal(Envelope{
			IdempotencyKey: fmt.Sprintf("%s:%s:%d:%d", project, d.Name, runID, seq),
			Project:        project, Destination: d.Name, RunID: runID, Batch: seq, Batches: n,
			Items: part,
		})
		if err != nil {
			return nil, paths, fmt.Errorf("encoding batch %d: %w", seq, err)
		}
		b := &batch{stem: stem(runID, seq), runID: runID}
		p := filepath.Join(d.dir, b.stem+".json")
		paths = append(paths, p)
		if err := writeFile(p, body); err != nil {
			return nil, paths, err
		}
		bs = append(bs, b)
	}
	if n > 0 {
		if err := durable.SyncDir(d.dir); err != nil {
			return nil, paths, err
		}
	}
	return bs, paths, nil
}

// load reads a destination's directory. It removes what an interrupted process left: temp
// files, batches of a run after the marker, states whose batch is gone. A next attempt later
// than latest (the clock went back, or the configuration shortened MaxBackoff) is moved to
// latest, so that no batch waits longer than MaxBackoff after a restart.
func load(dir string, through int64, latest time.Time) ([]*batch, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	bodies := map[string]bool{}
	for _, e := range entries {
		if s, ok := strings.CutSuffix(e.Name(), ".json"); ok {
			bodies[s] = true
		}
	}
	var q []*batch
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") && strings.HasSuffix(name, ".tmp") {
			os.Remove(filepath.Join(dir, name))
			continue
		}
		s, isState := strings.CutSuffix(name, ".state")
		if isState && !bodies[s] {
			os.Remove(filepath.Join(dir, name))
			continue
		}
		s, isBody := strings.CutSuffix(name, ".json")
		runID, ok := parseStem(s)
		if !isBody || !ok {
			continue
		}
		if runID > through {
			os.Remove(filepath.Join(dir, s+".json"))
			os.Remove(filepath.Join(dir, s+".state"))
			continue
		}
		b := &batch{stem: s, runID: runID}
		raw, err := os.ReadFile(filepath.Join(dir, s+".state"))
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			return nil, err
		default:
			if err := json.Unmarshal(raw, &b.state); err != nil {
				return nil, fmt.Errorf("reading %s.state: %w", s, err)
			}
		}
		if b.NextAttempt.After(latest) {
			b.NextAttempt = latest
		}
		q = append(q, b)
	}
	// ReadDir sorts by name, and names sort in delivery order.
	return q, durable.SyncDir(dir)
}

func (d *destination) body(b *batch) ([]byte, error) {
	return os.ReadFile(filepath.Join(d.dir, b.stem+".json"))
}

func (d *destination) saveState(b *batch) error {
	raw, err := json.Marshal(b.state)
	if err != nil {
		return err
	}
	if err := writeFile(filepath.Join(d.dir, b.stem+".state"), raw); err != nil {
		return err
	}
	return durable.SyncDir(d.dir)
}

// remove takes an acknowledged or dead-lettered batch out of the outbox. The body goes first:
// a state without its body is discarded by load, a body without its state would be sent again.
func (d *destination) remove(b *batch) error {
	if err := os.Remove(filepath.Join(d.dir, b.stem+".json")); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := os.Remove(filepath.Join(d.dir, b.stem+".state")); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return durable.SyncDir(d.dir)
}

const markerName = "enqueued-through.json"

type marker struct {
	RunID int64 `json:"run_id"`
}

func readMarker(dir string) (int64, error) {
	raw, err := os.ReadFile(filepath.Join(dir, markerName))
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	var m marker
	if err == nil {
		err = json.Unmarshal(raw, &m)
	}
	if err != nil {
		return 0, fmt.Errorf("activation: reading %s in the state directory: %w", markerName, err)
	}
	return m.RunID, nil
}

func writeMarker(dir string, runID int64) error {
	raw, _ := json.Marshal(marker{RunID: runID})
	if err := writeFile(filepath.Join(dir, markerName), raw); err != nil {
		return err
	}
	return durable.SyncDir(dir)
}

// writeRunFile writes a files destination's run-<id>.jsonl, unless it exists: a run written
// once is not written again, even when Enqueue is called again after a crash.
func writeRunFile(dir string, runID int64, its []Item) error {
	p := filepath.Join(dir, fmt.Sprintf("run-%d.jsonl", runID))
	if _, err := os.Stat(p); err == nil {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for _, it := range its {
		if err := enc.Encode(line{RunID: runID, Item: it}); err != nil {
			return fmt.Errorf("encoding a %s: %w", it.Kind, err)
		}
	}
	if err := writeFile(p, buf.Bytes()); err != nil {
		return err
	}
	return durable.SyncDir(dir)
}

// writeFile replaces path with data atomically: a temp file in the same directory, fsynced,
// then renamed. The rename is durable once the caller syncs the directory.
func writeFile(path string, data []byte) (err error) {
	dir, name := filepath.Split(path)
	f, err := os.CreateTemp(dir, "."+name+".*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if _, err = f.Write(data); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
