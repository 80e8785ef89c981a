package server

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/engine/deliver"
	"github.com/idstitch/idstitch/engine/lookup"
	"github.com/idstitch/idstitch/engine/plan"
)

// openOutbox opens the destinations' outbox, reading each webhook's secret from the environment.
func (s *Server) openOutbox() error {
	p := s.o.Project
	if len(p.Destinations) == 0 {
		return nil
	}
	if !s.o.Memory {
		return fmt.Errorf("%s: destinations: the profiles a run changed are found by comparing the in-memory copies of the published tables before and after it; serve without -memory=false", p.File)
	}
	o := deliver.Options{Dir: filepath.Join(p.StateDir(), p.Project+"-outbox"), Project: p.Project, Log: s.o.Log, DeadLetters: s.deadLetter,
		Observe: func(e deliver.Event) { s.metrics.deliveries.WithLabelValues(e.Destination, string(e.Outcome)).Inc() }}
	for i, d := range p.Destinations {
		switch {
		case d.Webhook != nil:
			secret := os.Getenv(d.Webhook.SecretEnv)
			if secret == "" {
				return fmt.Errorf("%s: destinations[%d].webhook.secret_env: the environment variable %s is empty or not set; set it to the secret the receiver checks signatures with", p.File, i, d.Webhook.SecretEnv)
			}
			o.Webhooks = append(o.Webhooks, deliver.Webhook{Name: d.Name, URL: d.Webhook.URL, Secret: []byte(secret), BatchSize: d.Webhook.BatchSize,
				Timeout: d.Webhook.TimeoutDuration, MaxAttempts: d.Webhook.MaxAttempts, Backoff: s.o.DeliveryBackoff, MaxBackoff: s.o.DeliveryMaxBackoff})
		case d.Files != nil:
			o.Files = append(o.Files, deliver.Files{Name: d.Name, Dir: d.Files.Dir})
		}
	}
	ob, err := deliver.Open(o)
	if err != nil {
		return fmt.Errorf("%s: destinations: %w", p.File, err)
	}
	s.outbox = ob
	return nil
}

// deadLetter records a webhook batch that exhausted its retries in the output schema's
// delivery_dead_letters table.
func (s *Server) deadLetter(ctx context.Context, d deliver.DeadLetter) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	a := s.planner.Activation()
	return s.wh.Write(ctx, func(conn connectors.Conn) error {
		if err := conn.Exec(ctx, a.Create()); err != nil {
			return err
		}
		return conn.Exec(ctx, a.DeadLetter(), d.Destination, d.Key, d.RunID, int64(d.Attempts), d.LastError, string(d.Payload), d.FailedAt.UTC())
	})
}

// enqueueRun puts what run runID changed into the outbox: the profiles whose row differs between
// the copies before and after it (prev may be nil: every profile is new), its id_changes rows,
// and its audience entries and exits.
func (s *Server) enqueueRun(ctx context.Context, conn connectors.Conn, runID int64, prev, cur *lookup.Memory) error {
	if s.outbox == nil || runID <= s.outbox.EnqueuedThrough() {
		return nil
	}
	c := deliver.Changes{RunID: runID}
	if cur != nil {
		c.Profiles, c.Removed = cur.Changed(prev)
	}
	recovering := cur == nil
	a := s.planner.Activation()
	rows, err := conn.Query(ctx, a.Changes(), runID)
	if err != nil {
		return fmt.Errorf("reading the changes of run %d: %w", runID, err)
	}
	for rows.Next() {
		var kind string
		var old, new *string
		var n int64
		if err := rows.Scan(&kind, &old, &new, &n); err != nil {
			rows.Close()
			return err
		}
		c.IDChanges = append(c.IDChanges, map[string]any{"kind": kind, "old_universal_id": old, "new_universal_id": new, "identifiers": n})
		// Without copies, the profiles the run's changes name, from the copy in memory when it is
		// of this run or a later one: an older copy would send rows the run replaced.
		if m := s.mem.Load(); recovering && new != nil && m != nil && m.RunID >= runID {
			if row := m.Row(*new); row != nil {
				c.Profiles = append(c.Profiles, row)
			}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = conn.Query(ctx, a.AudienceMoves(), runID)
	if err != nil {
		return fmt.Errorf("reading the audience moves of run %d: %w", runID, err)
	}
	for rows.Next() {
		var move, audience, uid string
		var at *time.Time
		if err := rows.Scan(&move, &audience, &uid, &at); err != nil {
			rows.Close()
			return err
		}
		m := map[string]any{"audience": audience, "universal_id": uid}
		if move == "entry" {
			m["entered_at"] = at
			c.Entries = append(c.Entries, m)
		} else {
			m["exited_at"] = at
			c.Exits = append(c.Exits, m)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if err := s.outbox.Enqueue(ctx, c); err != nil {
		return fmt.Errorf("queueing the changes of run %d for the destinations: %w", runID, err)
	}
	s.o.Log.Info("changes queued for the destinations", "run_id", runID, "profiles", len(c.Profiles), "removed", len(c.Removed),
		"id_changes", len(c.IDChanges), "audience_entries", len(c.Entries), "audience_exits", len(c.Exits))
	return nil
}

// recoverRuns queues, once per process, the runs up to upTo (the last run published) that
// published after the last one queued: a server stopped between a run's publish and its queueing,
// or runs of another process. Without the copy from before them, the profiles sent are those whose
// ids those runs changed, as they are now, rather than every profile they rewrote. An outbox that
// never queued a run starts after upTo: nothing of the history before it is sent.
func (s *Server) recoverRuns(ctx context.Context, conn connectors.Conn, upTo int64) {
	if s.outbox == nil || s.recovered.Load() {
		return
	}
	through := s.outbox.EnqueuedThrough()
	if through == 0 {
		if upTo > 0 {
			if err := s.outbox.Enqueue(ctx, deliver.Changes{RunID: upTo}); err != nil {
				s.o.Log.Error("starting the destinations' outbox", "error", err)
				return
			}
		}
		s.recovered.Store(true)
		return
	}
	if err := s.queueThrough(ctx, conn, upTo, nil, nil); err != nil {
		s.o.Log.Error("queueing the changes of runs published while this server was not queueing them", "up_to", upTo, "error", err)
		return
	}
	s.recovered.Store(true)
}

// queueOthers queues the runs of other processes that published since the last run queued, up
// to upTo, once this server has copied upTo's tables (queueThrough).
func (s *Server) queueOthers(ctx context.Context, conn connectors.Conn, upTo int64, prev, cur *lookup.Memory) {
	if s.outbox == nil {
		return
	}
	if err := s.queueThrough(ctx, conn, upTo, prev, cur); err != nil {
		s.o.Log.Error("queueing the changes of a run of another process", "run_id", upTo, "error", err)
	}
}

// queueThrough queues, oldest first, every run after the last one queued up to upTo: the outbox
// takes a run only after the one before it, so a run that could not be queued (an error, or a run
// of another process not yet seen) is queued before the next. upTo gets the profiles that differ
// between prev, a copy from before it, and cur, its own; the others, or upTo without both copies,
// get the profiles whose ids they changed, as they are now.
func (s *Server) queueThrough(ctx context.Context, conn connectors.Conn, upTo int64, prev, cur *lookup.Memory) error {
	s.queueing.Lock()
	defer s.queueing.Unlock()
	from := s.outbox.EnqueuedThrough() + 1
	if from == 1 {
		from = upTo // an outbox that never queued a run starts with this one, not the history
	}
	for id := from; id <= upTo; id++ {
		var before, after *lookup.Memory
		if id == upTo && prev != nil && cur != nil && prev.RunID < id && cur.RunID == id {
			before, after = prev, cur
		}
		if err := s.enqueueRun(ctx, conn, id, before, after); err != nil {
			return err
		}
	}
	return nil
}

// scanLastRun reads the id of the last run that published, 0 when none has.
func scanLastRun(ctx context.Context, conn connectors.Conn, pl *plan.Planner, last *int64) error {
	rows, err := conn.Query(ctx, lookup.LastRun(pl))
	if err != nil {
		return err
	}
	defer rows.Close()
	if rows.Next() {
		if err := rows.Scan(last); err != nil {
			return err
		}
	}
	return rows.Err()
}
