// Package connectors holds what every warehouse client shares: the Conn interface that the runner
// talks to, the errors that clients map their drivers' errors onto, and the registry of Drivers.
// One sub-package per warehouse implements it and registers itself; the engine imports only this
// package, so it links no warehouse client.
package connectors

import (
	"context"
	"errors"
	"fmt"

	"github.com/idstitch/idstitch/dialects"
)

// Rows is a result set. *sql.Rows satisfies it.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Columns() ([]string, error)
	Err() error
	Close() error
}

// Conn is an open warehouse.
type Conn interface {
	// Dialect is the SQL spelling this warehouse expects.
	Dialect() dialects.Dialect
	// Exec runs one statement.
	Exec(ctx context.Context, query string, args ...any) error
	// Query runs one statement that returns rows.
	Query(ctx context.Context, query string, args ...any) (Rows, error)
	// ExecTx runs statements in one transaction: all of them take effect or none.
	ExecTx(ctx context.Context, queries []string) error
	// Load appends rows to an existing table, as fast as the warehouse allows. next is called
	// until it returns false.
	Load(ctx context.Context, schema, table string, columns []string, next func(row []any) bool) error
	// Close releases the warehouse. For an embedded warehouse it also releases the file lock.
	Close() error
}

// Parser is a Conn whose warehouse can read a statement with its own parser without running it.
// The check of a project's expressions asks it, where a warehouse has one, after the lexical
// check of engine/expr.
type Parser interface {
	// ParseOne returns an error unless the warehouse's parser reads text as exactly one
	// statement of valid syntax. It runs nothing, and does not mind names that do not resolve:
	// text may name tables that a run has yet to create.
	ParseOne(ctx context.Context, text string) error
}

// Rehearser is a Conn that can run statements in one transaction and always roll it back, DDL
// included. validate and the start of every run rehearse a whole plan on empty copies of the
// sources with it, to find what only running the plan would show (a sum of text, an audience on
// a column that does not exist) before anything is created. Only warehouses with transactional
// DDL implement it.
type Rehearser interface {
	// Rehearse runs queries in one transaction, which it rolls back whatever happens. It
	// returns the first statement's error, as a *Error naming the statement.
	Rehearse(ctx context.Context, queries []string) error
}

// SchemaProber is a Conn that tells whether a schema exists through its client rather than a
// query: BigQuery reads a dataset's metadata (datasets.get, which a role on that dataset grants),
// where a query of INFORMATION_SCHEMA.SCHEMATA would need a permission on the whole project.
type SchemaProber interface {
	SchemaExists(ctx context.Context, schema string) (bool, error)
}

// Serializer is a Conn whose warehouse lets two concurrent conditional UPDATEs of one row both
// take effect, each on the row as it was before the other (DuckDB 1.5 does, at times, between two
// connections of one database). Where an atomic read-modify-write matters (serve's run lease),
// the caller runs it through Serially, which runs it alone among every caller on the same
// database.
type Serializer interface {
	Serially(ctx context.Context, do func() error) error
}

// Kind says what went wrong, independent of the driver.
type Kind int

const (
	// Other is any error we do not classify.
	Other Kind = iota
	// Unreachable: the warehouse cannot be opened or reached (file locked, server down).
	Unreachable
	// MissingObject: a table, view, schema or column does not exist.
	MissingObject
	// BadSQL: the statement does not parse or bind (often a user's filter or expression).
	BadSQL
	// Canceled: the context ended.
	Canceled
	// Conflict: a concurrent transaction got in the way (a duplicate catalog entry from two
	// CREATE … IF NOT EXISTS at once, a serialization failure); trying again succeeds.
	Conflict
	// Denied: the warehouse refused for want of a privilege or over a quota; a grant or a
	// setting fixes it, not trying again.
	Denied
	// OutOfMemory: the warehouse ran out of memory for a statement; a setting fixes it.
	OutOfMemory
)

func (k Kind) String() string {
	switch k {
	case Unreachable:
		return "warehouse unreachable"
	case MissingObject:
		return "missing table or column"
	case BadSQL:
		return "invalid SQL"
	case Canceled:
		return "canceled"
	case Conflict:
		return "conflict with a concurrent transaction"
	case Denied:
		return "refused: a privilege or a quota"
	case OutOfMemory:
		return "out of memory"
	}
	return "warehouse error"
}

// Error is a driver error mapped to a Kind, keeping the driver's message and the statement.
type Error struct {
	Kind      Kind
	Statement string
	Err       error
}

func (e *Error) Error() string { return fmt.Sprintf("%s: %v", e.Kind, e.Err) }
func (e *Error) Unwrap() error { return e.Err }

// KindOf returns the Kind of err, or Other.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return Canceled
	}
	return Other
}
