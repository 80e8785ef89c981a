package warehouse

import (
	"context"
	"sync"

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
	s.conn = conn
	s.mu.Unlock()

	err = fn(conn)

	s.mu.Lock()
	conn.Close()
	s.conn = nil // the next Read reopens the file read-only
	s.mu.Unlock()
	return err
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
