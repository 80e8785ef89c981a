// Package dialects describes how each warehouse spells the SQL that the planner needs. A dialect
// only produces strings; connectors run them. The planner receives a Dialect value and never asks
// which warehouse it is talking to: where warehouses really differ it asks Supports(capability).
package dialects

import (
	"fmt"
	"sort"
	"strings"
)

// Capability is a feature that not every warehouse has.
type Capability int

const (
	// TransactionalDDL: DROP/ALTER … RENAME can run inside one transaction, so publishing is a
	// set of renames committed together.
	TransactionalDDL Capability = iota
	// CaseInsensitiveNames: quoted names still match tables and columns whatever their case.
	CaseInsensitiveNames
	// TypedHash: Hash64 takes values of any type, NULLs included, and tells apart (NULL, 'a')
	// from ('a', NULL), so a row can be hashed without casting its columns to text.
	TypedHash
	// SingleWriter: one process at a time can write (an embedded file). A run that finds another
	// recorded as running knows that it ended without saying so.
	SingleWriter
	// ProjectSchemas: a schema may be written project.schema, the project being a name of lower
	// case letters, digits and hyphens (BigQuery: a dataset in another project than the one that
	// runs the jobs).
	ProjectSchemas
	// DropEarly: a work table is best dropped as soon as nothing reads it: it takes the disk of the
	// machine the run is on, and a statement is a call, not a job. On Snowflake and BigQuery each
	// statement is a round trip and a job, and work tables go when the next run replaces them (or
	// expire), so there the plan keeps them rather than send a statement per table.
	DropEarly
)

// Type is a column type the planner needs, spelled per warehouse by Dialect.Type.
type Type int

const (
	Text Type = iota
	Int64
	Float64
	Timestamp
	Bool
)

// Dialect spells SQL for one warehouse.
type Dialect interface {
	// Name is the warehouse type as written in the project file (duckdb, postgres, …).
	Name() string
	// Supports reports whether the warehouse has a capability.
	Supports(Capability) bool

	// QuoteIdent quotes one identifier (a schema, table or column name) so that it is taken as
	// written, whatever its case or characters.
	QuoteIdent(name string) string
	// DefaultSchema is the schema an unqualified table name resolves to.
	DefaultSchema() string
	// Table renders a table name; schema may be empty.
	Table(schema, name string) string
	// WorkTable renders the name of an intermediate table in the work schema.
	WorkTable(workSchema, name string) string
	// String renders a string literal, escaped.
	String(s string) string
	// Type spells a column type.
	Type(Type) string
	// Cast renders CAST(expr AS type).
	Cast(expr string, t Type) string

	// Hash64 is a 64-bit signed integer hash of text expressions together; it gives node ids.
	Hash64(exprs ...string) string
	// Priority is round's 64-bit hash of a BIGINT node id: the contraction's fresh random order
	// of the nodes for that round.
	Priority(node string, round int) string
	// MD5Hex is the 32-character lower-case hex MD5 of a text expression; it renders universal ids,
	// which must not change between versions of a warehouse.
	MD5Hex(expr string) string
	// Concat joins text expressions.
	Concat(exprs ...string) string
	// RowHash is a text hash of every column of the row of the table or alias named (as written,
	// already quoted), for a key where a table has none.
	RowHash(table string) string
	// MinBy is the value of `value` on the row where `key` is smallest within a group; both
	// are BIGINT.
	MinBy(value, key string) string
	// FirstBy is the aggregate value of `value` on the row with the smallest `order` (the largest
	// with last) among the rows of a group where cond holds.
	FirstBy(value, order, cond string, last bool) string
	// DaysAgo is the timestamp n days before the statement runs, comparable with TIMESTAMP columns.
	DaysAgo(n int) string
	// SecondsBefore is the timestamp n seconds before the TIMESTAMP expression expr.
	SecondsBefore(expr string, n int) string
	// Bytewise makes an ORDER BY on a text expression compare bytes, not the locale's collation,
	// so that ties between values break the same way on every warehouse.
	Bytewise(expr string) string
	// Pattern renders a regular expression from the project file, written in RE2 syntax (as Go,
	// DuckDB and BigQuery read it), as a string literal that this warehouse's regular-expression
	// functions read with the same meaning; an error says which construct it cannot express.
	Pattern(re string) (string, error)
	// RegexpMatches is true when the text expression contains a match of the pattern (a
	// literal, already escaped).
	RegexpMatches(expr, pattern string) string
	// RegexpReplace replaces every match of the pattern.
	RegexpReplace(expr, pattern, replacement string) string
	// Now is the current timestamp of the statement.
	Now() string

	// CreateSchema creates a schema if it does not exist.
	CreateSchema(schema string) string
	// CreateWorkSchema makes the place for a run's intermediate tables, which nobody else reads
	// and which need not outlive the process on an embedded warehouse.
	CreateWorkSchema(schema string) string
	// CreateTableAs creates (or replaces) a table from a query. Scratch tables are made
	// transient or temporary where the warehouse allows it.
	CreateTableAs(table, query string, scratch bool) string
	// CreateLaidOut creates (or replaces) a durable table from a query, its rows arranged as
	// layout asks where the warehouse has clauses for it; elsewhere it is CreateTableAs.
	CreateLaidOut(table, query string, layout TableLayout) string
	// CreateView creates or replaces a view; DropView drops one if it exists.
	CreateView(view, query string) string
	DropView(view string) string
	// DropTable drops a table if it exists.
	DropTable(table string) string
	// CreateIndex creates an index on a published table unless it exists. Indexes make point
	// lookups fast; they are made after publishing because DuckDB cannot rename an indexed table.
	CreateIndex(name, table string, columns ...string) string
	// RenameTable renames a table within its schema.
	RenameTable(table, newName string) string
	// Publish returns the statements that make the table next the published table final
	// (named finalName in its schema). With TransactionalDDL they run in one transaction with
	// the other tables'; otherwise each table is swapped in atomically on its own.
	Publish(next, final, finalName string) []string
	// Replace makes final a copy of next in one statement that leaves next in place, so that
	// running it again after a failure gives the same result. Without TransactionalDDL a full
	// run is published this way, table by table, from a journal that the next run completes
	// (see engine/runner); the published table keeps the grants people gave on it.
	Replace(next, final string) string
	// ReplaceLaidOut is Replace for a table that next, made with layout, may arrange otherwise
	// than the published table final was (made by an earlier version): the statements, each of
	// which can run again, that leave final a copy of next with next's layout.
	ReplaceLaidOut(next, final string, layout TableLayout) []string
	// Begin and Commit delimit a transaction.
	Begin() string
	Commit() string

	// AddColumn adds a column to an existing table unless it is there already, so that tables
	// written by an older version gain the columns a newer one records.
	AddColumn(table, column string, t Type) string

	// TablesQuery lists the names of the tables and views in a schema, with its bind arguments:
	// idstitch checks there is nothing in its schemas that it did not make. A schema that does
	// not exist may give no rows or an error of kind MissingObject.
	TablesQuery(schema string) (string, []any)
	// SchemaQuery gives a row when the schema exists, with its bind arguments; "" when the
	// warehouse cannot tell before a connection has set where to look (BigQuery without a
	// location). A run creates only the schemas that are missing: CREATE SCHEMA IF NOT EXISTS
	// needs the privilege to create schemas even when the schema exists (Postgres checks it
	// first), and a role given a schema of its own may lack it.
	SchemaQuery(schema string) (string, []any)
	// ViewsQuery lists the names of the views in a schema, with its bind arguments.
	ViewsQuery(schema string) (string, []any)
	// ColumnsQuery lists the columns of a table in their order: one row per column, its name and
	// its type as the warehouse's information schema writes it. It returns the query and its bind
	// arguments.
	ColumnsQuery(schema, table string) (string, []any)
	// Placeholder is the bind parameter marker for the n-th argument (1-based).
	Placeholder(n int) string

	// Lexicon says where the warehouse's strings, quoted names and comments start and end, for
	// checking that a user's expression is one expression before it is sent.
	Lexicon() Lexicon
	// NameLimits are the longest schema, table and column names the warehouse keeps as written.
	NameLimits() NameLimits
}

var registry = map[string]Dialect{}

func register(d Dialect) { registry[d.Name()] = d }

// Lookup returns the dialect for a warehouse type. It is the one place where a warehouse name
// becomes a Dialect.
func Lookup(name string) (Dialect, error) {
	d, ok := registry[strings.ToLower(name)]
	if !ok {
		return nil, fmt.Errorf("unknown warehouse type %q (known: %s)", name, strings.Join(Names(), ", "))
	}
	return d, nil
}

// Names lists the known warehouse types, sorted.
func Names() []string {
	var names []string
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// quoteWith doubles the quote character inside name and wraps it.
func quoteWith(name string, q byte) string {
	s := string(q)
	return s + strings.ReplaceAll(name, s, s+s) + s
}

// quotePath quotes each dot-separated part of a schema on its own. The project file writes a
// schema that lives in another database (Snowflake RAW_DB.WEB, a DuckDB attached file, a Postgres
// database) or project (BigQuery my-project.raw) with a dot, and its names never hold a dot of
// their own (the config refuses them), so each dot separates two identifiers. Quoted whole,
// "RAW_DB.WEB" would name one schema whose name holds a dot.
func quotePath(quote func(string) string, path string) string {
	parts := strings.Split(path, ".")
	for i, p := range parts {
		parts[i] = quote(p)
	}
	return strings.Join(parts, ".")
}

// qualify renders schema.name with each part quoted; schema may be empty.
func qualify(quote func(string) string, schema, name string) string {
	if schema == "" {
		return quote(name)
	}
	return quotePath(quote, schema) + "." + quote(name)
}

// splitSchema separates the database (or project) a schema is written with from the schema
// itself; database is empty when there is none.
func splitSchema(schema string) (database, name string) {
	if i := strings.LastIndexByte(schema, '.'); i >= 0 {
		return schema[:i], schema[i+1:]
	}
	return "", schema
}
