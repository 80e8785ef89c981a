// Package postgres connects to a PostgreSQL server with pgx.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/dialects"
)

// Conn is a pool of connections to one database.
type Conn struct {
	pool *pgxpool.Pool
}

// Open connects with a connection string (URL or key=value form) and checks the server answers.
func Open(ctx context.Context, dsn string) (*Conn, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// The parse error can quote the DSN, password included; say only what is wrong.
		return nil, &connectors.Error{Kind: connectors.Unreachable, Err: errors.New("the Postgres connection string does not parse")}
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, mapError(err, "")
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, mapError(err, "")
	}
	return &Conn{pool: pool}, nil
}

// Pool exposes the pool for tests and tools.
func (c *Conn) Pool() *pgxpool.Pool { return c.pool }

func (c *Conn) Dialect() dialects.Dialect { return dialects.Postgres{} }

func (c *Conn) Exec(ctx context.Context, query string, args ...any) error {
	_, err := c.pool.Exec(ctx, query, args...)
	return mapError(err, query)
}

func (c *Conn) Query(ctx context.Context, query string, args ...any) (connectors.Rows, error) {
	rows, err := c.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, mapError(err, query)
	}
	return &pgRows{rows: rows, query: query}, nil
}

func (c *Conn) ExecTx(ctx context.Context, queries []string) error {
	tx, err := c.pool.Begin(ctx)
	if err != nil {
		return mapError(err, "BEGIN")
	}
	defer tx.Rollback(context.Background())
	for _, q := range queries {
		began := time.Now()
		if _, err := tx.Exec(ctx, q); err != nil {
			return mapError(err, q)
		}
		connectors.Traced(ctx, q, began)
	}
	began := time.Now()
	if err := tx.Commit(ctx); err != nil {
		return mapError(err, "COMMIT")
	}
	connectors.Traced(ctx, "COMMIT", began)
	return nil
}

// Rehearse runs queries in one transaction and rolls it back.
func (c *Conn) Rehearse(ctx context.Context, queries []string) error {
	tx, err := c.pool.Begin(ctx)
	if err != nil {
		return mapError(err, "BEGIN")
	}
	defer tx.Rollback(context.Background())
	for _, q := range queries {
		if _, err := tx.Exec(ctx, q); err != nil {
			return mapError(err, q)
		}
	}
	return nil
}

// Load streams rows with COPY, the fastest way into Postgres.
func (c *Conn) Load(ctx context.Context, schema, table string, columns []string, next func(row []any) bool) error {
	src := &copySource{next: next, row: make([]any, len(columns))}
	_, err := c.pool.CopyFrom(ctx, pgx.Identifier{schema, table}, columns, src)
	return mapError(err, "COPY "+schema+"."+table)
}

func (c *Conn) Close() error {
	c.pool.Close()
	return nil
}

type copySource struct {
	next func(row []any) bool
	row  []any
}

func (s *copySource) Next() bool {
	for i := range s.row {
		s.row[i] = nil
	}
	return s.next(s.row)
}

func (s *copySource) Values() ([]any, error) { return s.row, nil }
func (s *copySource) Err() error             { return nil }

// pgRows adapts pgx rows to connectors.Rows.
type pgRows struct {
	rows  pgx.Rows
	query string
}

func (r *pgRows) Next() bool             { return r.rows.Next() }
func (r *pgRows) Scan(dest ...any) error { return mapError(r.rows.Scan(dest...), r.query) }
func (r *pgRows) Err() error             { return mapError(r.rows.Err(), r.query) }
func (r *pgRows) Close() error           { r.rows.Close(); return nil }
func (r *pgRows) Columns() ([]string, error) {
	var names []string
	for _, f := range r.rows.FieldDescriptions() {
		names = append(names, f.Name)
	}
	return names, nil
}

// mapError classifies by SQLSTATE and by the kind of network failure, never by message text.
func mapError(err error, query string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return &connectors.Error{Kind: connectors.Canceled, Statement: query, Err: err}
	}
	kind := connectors.Other
	var pgErr *pgconn.PgError
	var connectErr *pgconn.ConnectError
	var netErr net.Error
	switch {
	case errors.As(err, &pgErr):
		switch pgErr.Code {
		case "42P01", "42703", "3F000", "42704": // undefined table, column, schema, object
			kind = connectors.MissingObject
		case "42601", "42883", "42804", "42803", "22P02": // syntax, undefined function, datatype mismatch, grouping, bad text
			kind = connectors.BadSQL
		case "57014": // query_canceled
			kind = connectors.Canceled
		case "23505", "40001", "40P01": // unique violation (of the catalog, by concurrent DDL), serialization failure, deadlock
			kind = connectors.Conflict
		case "42710", "42P07", "42P06": // duplicate object, table, schema: CREATE … IF NOT EXISTS racing the same CREATE in another session
			kind = connectors.Conflict
		case "57P01", "57P02", "57P03", "53300", "28P01", "28000", "3D000": // shutdown, too many connections, auth, no database
			kind = connectors.Unreachable
		case "42501": // insufficient_privilege
			kind = connectors.Denied
		}
		// The server's message and hint, without the driver's prefix.
		msg := pgErr.Message
		if pgErr.Hint != "" {
			msg += " (" + pgErr.Hint + ")"
		}
		err = fmt.Errorf("%s: %s", pgErr.Code, msg)
	case errors.As(err, &connectErr), errors.As(err, &netErr), pgconn.SafeToRetry(err):
		kind = connectors.Unreachable
	}
	return &connectors.Error{Kind: kind, Statement: query, Err: err}
}
