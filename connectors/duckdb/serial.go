package duckdb

import (
	"context"
	"path/filepath"
	"sync"
)

// fileLocks holds one lock per database file opened for writing in this process. Only one process
// may write a DuckDB file ("Concurrency", DuckDB documentation), so a lock within the process is a
// lock on the file.
var fileLocks sync.Map // absolute path → chan struct{}

// Serially runs do while no other caller of Serially on the same file runs. DuckDB 1.5 does not
// always stop two connections' concurrent UPDATEs of one row from both committing: eight
// autocommit UPDATEs racing for an expired lease row (WHERE expires_at < now) gave two winners in
// about one race in ten when sent bare, and TestLeaseDuckDB's race through the lease about one in
// 25. An in-memory database is its connection's own, so its lock is the Conn's.
func (c *Conn) Serially(ctx context.Context, do func() error) error {
	lock := c.serial
	if c.path != "" {
		key := c.path
		if abs, err := filepath.Abs(c.path); err == nil {
			key = abs
		}
		l, _ := fileLocks.LoadOrStore(key, make(chan struct{}, 1))
		lock = l.(chan struct{})
	}
	select {
	case lock <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-lock }()
	return do()
}
