package warehouse

import (
	"context"
	"sync"
	"time"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/engine/config"
)

// Shared gives a long-running process (idstitch serve) the project's warehouse: for reading at
// any time, and for writing while a run lasts. A warehouse whose driver declares ExclusiveFile (an
// embedded DuckDB file) is held read-only between runs, so that other programs (the DuckDB CLI, a
// BI tool) can open it to read; it is opened for writing only for a run, and lookups during the
// run use that connection. A server warehouse is one pool for both.
type Shared struct {
	project *config.Project
	mu      sync.RWMutex
	conn    connectors.Conn
	// writable: conn was opened for writing (by Write, while fn runs).
	writable bool
	// writing is held while a connection opened for writing is in use, so that two writers of
	// an exclusive file never replace each other's connection.
	writing sync.Mutex
}

// NewShared returns a handle that connects on first use.
func NewShared(p *config.Project) *Shared { return &Shared{project: p} }

// embedded reports whether the warehouse is a file that only one process at a time may write.
func (s *Shared) embedded() bool {
	return s.project.Warehouse.Driver.Capabilities().Has(connectors.ExclusiveFile)
}

// Read calls fn with a connection that can read the published tables.
func (s *Shared) Read(ctx context.Context, fn func(connectors.Conn) error) error {
	s.mu.RLock()
	if s.conn == nil {
		s.mu.RUnlock()
		if err := s.connect(ctx); err != nil {
			return err
		}
		s.mu.RLock()
	}
	defer s.mu.RUnlock()
	return fn(s.conn)
}

func (s *Shared) connect(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn != nil {
		return nil
	}
	// Only an exclusive file needs a connection of its own for lookups: it must stay readable by
	// others between runs. A server's one pool serves lookups and runs alike.
	conn, err := open(ctx, s.project, s.embedded(), false)
	if err == nil {
		s.conn = conn
	}
	return err
}

// Write calls fn with a connection that can write; on an exclusive file it holds the file for
// writing only while fn runs.
func (s *Shared) Write(ctx context.Context, fn func(connectors.Conn) error) error {
	if !s.embedded() {
		return s.Read(ctx, fn)
	}
	s.writing.Lock()
	defer s.writing.Unlock()
	return s.writeHeld(ctx, fn)
}

// writeHeld opens an exclusive file for writing for fn's time, for a caller holding writing.
func (s *Shared) writeHeld(ctx context.Context, fn func(connectors.Conn) error) error {
	s.mu.Lock()
	if s.conn != nil {
		s.conn.Close()
		s.conn = nil
	}
	conn, err := Open(ctx, s.project)
	if err != nil {
		s.mu.Unlock()
		return err
	}
	s.conn, s.writable = conn, true
	s.mu.Unlock()

	err = fn(conn)

	s.mu.Lock()
	conn.Close()
	s.conn, s.writable = nil, false // the next Read reopens the file read-only
	s.mu.Unlock()
	return err
}

// Change calls fn with a connection that can write, for a short change (an override written
// through the API) that must not wait for a run: during a run on an exclusive file it shares the
// run's connection; otherwise it opens the file for writing as Write does.
func (s *Shared) Change(ctx context.Context, fn func(connectors.Conn) error) error {
	if !s.embedded() {
		return s.Read(ctx, fn)
	}
	for {
		s.mu.RLock()
		if s.conn != nil && s.writable {
			// The run closes its connection only once it has the lock this holds.
			defer s.mu.RUnlock()
			return fn(s.conn)
		}
		s.mu.RUnlock()
		if s.writing.TryLock() {
			defer s.writing.Unlock()
			return s.writeHeld(ctx, fn)
		}
		// A run is opening the file for writing: its connection is there in a moment.
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// Close releases the warehouse.
func (s *Shared) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn == nil {
		return nil
	}
	err := s.conn.Close()
	s.conn = nil
	return err
}
