// Package duckdb connects to an embedded DuckDB database file.
package duckdb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

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
}

// maxStatements bounds the cache; queries beyond it are prepared each time.
const maxStatements = 256

// Open opens (or creates) the database file at path; an empty path is an in-memory database.
// readOnly opens it without taking the write lock, so several processes can read one file.
func Open(ctx context.Context, path string, readOnly bool) (*Conn, error) {
	// Insertion order means nothing to our tables; not keeping it lets DuckDB write
	// CREATE TABLE … AS in parallel.
	dsn := path + "?preserve_insertion_order=false"
	if readOnly {
		dsn += "&access_mode=read_only"
	}
	return open(ctx, path, dsn)
}

// OpenForLookups opens the file read-only for many small concurrent queries: one thread per
// query, so that concurrent lookups run side by side instead of each one spreading over every
// core and waiting for the others.
func OpenForLookups(ctx context.Context, path string) (*Conn, error) {
	return open(ctx, path, path+"?access_mode=read_only&threads=1")
}

func open(ctx context.Context, path, dsn string) (*Conn, error) {
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
	return &Conn{db: db, connector: c, path: path}, nil
}

// DB exposes the database for tests and tools that read the outputs directly.
func (c *Conn) DB() *sql.DB { return c.db }

func (c *Conn) Dialect() dialects.Dialect { return dialects.DuckDB{} }

func (c *Conn) Exec(ctx context.Context, query string, args ...any) error {
	_, err := c.db.ExecContext(ctx, query, args...)
	return mapError(err, query)
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
		return nil, mapError(err, query)
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
		return mapError(err, "BEGIN")
	}
	for _, q := range queries {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			tx.Rollback()
			return mapError(err, q)
		}
	}
	return mapError(tx.Commit(), "COMMIT")
}

// Rehearse runs queries in one transaction and rolls it back.
func (c *Conn) Rehearse(ctx context.Context, queries []string) error {
	tx, err := c.db.BeginTx(ctx, nil)
	if err != nil {
		return mapError(err, "BEGIN")
	}
	defer tx.Rollback()
	for _, q := range queries {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return mapError(err, q)
		}
	}
	return nil
}

// Load uses DuckDB's appender, which is an order of magnitude faster than INSERT statements.
func (c *Conn) Load(ctx context.Context, schema, table string, columns []string, next func(row []any) bool) error {
	conn, err := c.db.Conn(ctx)
	if err != nil {
		return mapError(err, "")
	}
	defer conn.Close()
	return conn.Raw(func(raw any) error {
		app, err := duckdbdriver.NewAppenderFromConn(raw.(driver.Conn), schema, table)
		if err != nil {
			return mapError(err, "append to "+schema+"."+table)
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
				return mapError(err, "append to "+schema+"."+table)
			}
			n++
			if n%100000 == 0 && ctx.Err() != nil {
				app.Close()
				return ctx.Err()
			}
		}
		return mapError(app.Close(), "append to "+schema+"."+table)
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
