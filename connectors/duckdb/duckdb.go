// Package duckdb connects to an embedded DuckDB database file.
package duckdb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	duckdbdriver "github.com/duckdb/duckdb-go/v2"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/dialects"
)

// Conn is an open DuckDB database.
type Conn struct {
	db        *sql.DB
	connector *duckdbdriver.Connector
	path      string
	// stmts caches prepared statements of queries with parameters: lookups repeat a few
	// queries with new values, and preparing costs more than running them (regular expressions
	// in a normalizer are compiled at prepare time, for one).
	stmts  sync.Map // query → *sql.Stmt
	nstmts atomic.Int64
	// res are the settings the file was opened with, named when memory runs out.
	res Resources
	// serial is Serially's lock for an in-memory database.
	serial chan struct{}
}

// maxStatements bounds the cache; queries beyond it are prepared each time.
const maxStatements = 256

// Open opens (or creates) the database file at path; an empty path is an in-memory database.
// readOnly opens it without taking the write lock, so several processes can read one file.
func Open(ctx context.Context, path string, readOnly bool) (*Conn, error) {
	return OpenWith(ctx, path, readOnly, Resources{})
}

// Resources are the DuckDB settings that bound what a run may use of the machine; zero values
// leave DuckDB's defaults (80% of the RAM, every core, a temporary directory beside the file).
type Resources struct {
	MemoryLimit   string
	Threads       int
	TempDirectory string
	// File is the project file that set them, named when memory runs out.
	File string
}

// dsn adds the settings to a DuckDB connection string's parameters.
func (r Resources) dsn(v url.Values) {
	if r.MemoryLimit != "" {
		v.Set("memory_limit", r.MemoryLimit)
	}
	if r.Threads > 0 && v.Get("threads") == "" {
		v.Set("threads", strconv.Itoa(r.Threads))
	}
	if r.TempDirectory != "" {
		v.Set("temp_directory", r.TempDirectory)
	}
}

// OpenWith is Open with the resources a project's warehouse block sets.
func OpenWith(ctx context.Context, path string, readOnly bool, r Resources) (*Conn, error) {
	// Insertion order means nothing to our tables; not keeping it lets DuckDB write
	// CREATE TABLE … AS in parallel, and spill less.
	v := url.Values{"preserve_insertion_order": {"false"}}
	if readOnly {
		v.Set("access_mode", "read_only")
	}
	r.dsn(v)
	return open(ctx, path, path+"?"+v.Encode(), r)
}

// OpenForLookups opens the file read-only for many small concurrent queries: one thread per
// query, so that concurrent lookups run side by side instead of each one spreading over every
// core and waiting for the others.
func OpenForLookups(ctx context.Context, path string, r Resources) (*Conn, error) {
	v := url.Values{"access_mode": {"read_only"}, "threads": {"1"}}
	r.dsn(v)
	return open(ctx, path, path+"?"+v.Encode(), r)
}

func open(ctx context.Context, path, dsn string, r Resources) (*Conn, error) {
	c, err := duckdbdriver.NewConnector(dsn, nil)
	if err != nil {
		return nil, &connectors.Error{Kind: connectors.Unreachable, Err: fmt.Errorf("open DuckDB file %s: %w", path, err)}
	}
	db := sql.OpenDB(c)
	// database/sql keeps two idle connections by default; concurrent lookups would then open and
	// close DuckDB connections, and prepare their statements again, on every query.
	db.SetMaxIdleConns(64)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, &connectors.Error{Kind: connectors.Unreachable, Err: fmt.Errorf("open DuckDB file %s: %w", path, err)}
	}
	return &Conn{db: db, connector: c, path: path, res: r, serial: make(chan struct{}, 1)}, nil
}

// DB exposes the database for tests and tools that read the outputs directly.
func (c *Conn) DB() *sql.DB { return c.db }

func (c *Conn) Dialect() dialects.Dialect { return dialects.DuckDB{} }

func (c *Conn) Exec(ctx context.Context, query string, args ...any) error {
	_, err := c.db.ExecContext(ctx, query, args...)
	return c.fail(err, query)
}

func (c *Conn) Query(ctx context.Context, query string, args ...any) (connectors.Rows, error) {
	var rows *sql.Rows
	var err error
	if stmt := c.prepared(ctx, query, len(args) > 0); stmt != nil {
		rows, err = stmt.QueryContext(ctx, args...)
	} else {
		rows, err = c.db.QueryContext(ctx, query, args...)
	}
	if err != nil {
		return nil, c.fail(err, query)
	}
	return rows, nil
}

// prepared returns the cached statement of a parameterized query, preparing it the first time;
// nil when the query has no parameters or the cache is full.
func (c *Conn) prepared(ctx context.Context, query string, parameterized bool) *sql.Stmt {
	if !parameterized {
		return nil
	}
	if s, ok := c.stmts.Load(query); ok {
		return s.(*sql.Stmt)
	}
	if c.nstmts.Load() >= maxStatements {
		return nil
	}
	stmt, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil // QueryContext will report the error
	}
	if s, loaded := c.stmts.LoadOrStore(query, stmt); loaded {
		stmt.Close()
		return s.(*sql.Stmt)
	}
	c.nstmts.Add(1)
	return stmt
}

func (c *Conn) ExecTx(ctx context.Context, queries []string) error {
	tx, err := c.db.BeginTx(ctx, nil)
	if err != nil {
		return c.fail(err, "BEGIN")
	}
	for _, q := range queries {
		began := time.Now()
		if _, err := tx.ExecContext(ctx, q); err != nil {
			tx.Rollback()
			return c.fail(err, q)
		}
		connectors.Traced(ctx, q, began)
	}
	began := time.Now()
	if err := tx.Commit(); err != nil {
		return c.fail(err, "COMMIT")
	}
	connectors.Traced(ctx, "COMMIT", began)
	return nil
}

// Rehearse runs queries in one transaction and rolls it back.
func (c *Conn) Rehearse(ctx context.Context, queries []string) error {
	tx, err := c.db.BeginTx(ctx, nil)
	if err != nil {
		return c.fail(err, "BEGIN")
	}
	defer tx.Rollback()
	for _, q := range queries {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return c.fail(err, q)
		}
	}
	return nil
}

// Load uses DuckDB's appender, which is an order of magnitude faster than INSERT statements.
func (c *Conn) Load(ctx context.Context, schema, table string, columns []string, next func(row []any) bool) error {
	conn, err := c.db.Conn(ctx)
	if err != nil {
		return c.fail(err, "")
	}
	defer conn.Close()
	return conn.Raw(func(raw any) error {
		app, err := duckdbdriver.NewAppenderFromConn(raw.(driver.Conn), schema, table)
		if err != nil {
			return c.fail(err, "append to "+schema+"."+table)
		}
		row := make([]any, len(columns))
		vals := make([]driver.Value, len(columns))
		n := 0
		for next(row) {
			for i, v := range row {
				vals[i] = v
			}
			if err := app.AppendRow(vals...); err != nil {
				app.Close()
				return c.fail(err, "append to "+schema+"."+table)
			}
			n++
			if n%100000 == 0 && ctx.Err() != nil {
				app.Close()
				return ctx.Err()
			}
		}
		return c.fail(app.Close(), "append to "+schema+"."+table)
	})
}

func (c *Conn) Close() error {
	c.stmts.Range(func(_, s any) bool {
		s.(*sql.Stmt).Close()
		return true
	})
	return c.db.Close()
}

// mapError classifies a DuckDB error by its error type, never by its text.
func mapError(err error, query string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return &connectors.Error{Kind: connectors.Canceled, Statement: query, Err: err}
	}
	kind := connectors.Other
	var de *duckdbdriver.Error
	if errors.As(err, &de) {
		switch de.Type {
		case duckdbdriver.ErrorTypeCatalog:
			kind = connectors.MissingObject
		case duckdbdriver.ErrorTypeParser, duckdbdriver.ErrorTypeBinder, duckdbdriver.ErrorTypeSyntax:
			kind = connectors.BadSQL
		case duckdbdriver.ErrorTypeIO, duckdbdriver.ErrorTypeConnection:
			kind = connectors.Unreachable
		case duckdbdriver.ErrorTypeInterrupt:
			kind = connectors.Canceled
		case duckdbdriver.ErrorTypeTransaction:
			// A commit that could not write (a full disk) is a transaction error too, but
			// trying again does not help: only a real conflict is reported as one. DuckDB
			// gives no finer type, so its message decides.
			if !strings.Contains(de.Msg, "Failed to commit") {
				kind = connectors.Conflict
			}
		}
	}
	return &connectors.Error{Kind: kind, Statement: query, Err: err}
}

// fail maps a driver error, and turns running out of memory into what to change: DuckDB spills
// the large operators to disk, so what is left over is the limit, the threads that each hold
// their own buffers, or a temporary directory without room.
func (c *Conn) fail(err error, query string) error {
	mapped := mapError(err, query)
	var de *duckdbdriver.Error
	if mapped == nil || !errors.As(err, &de) || de.Type != duckdbdriver.ErrorTypeOutOfMemory {
		return mapped
	}
	limit := "DuckDB's default of 80% of the RAM"
	if c.res.MemoryLimit != "" {
		limit = c.res.MemoryLimit
	}
	where := "the project file"
	if c.res.File != "" {
		where = c.res.File
	}
	return &connectors.Error{Kind: connectors.OutOfMemory, Statement: query, Err: fmt.Errorf(
		"DuckDB ran out of memory within warehouse.memory_limit (%s); raise warehouse.memory_limit in %s if the machine has more, lower warehouse.threads (each thread holds buffers of its own), or set warehouse.temp_directory to a disk with room to spill: %w",
		limit, where, err)}
}
