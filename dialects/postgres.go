package dialects

import (
	"fmt"
	"strings"
)

func init() { register(Postgres{}) }

// Postgres is PostgreSQL 13 or later (and compatible stores that have hashtextextended).
type Postgres struct{}

func (Postgres) Name() string { return "postgres" }

func (Postgres) Supports(c Capability) bool {
	switch c {
	case TransactionalDDL, DropEarly:
		return true
	}
	return false
}

func (Postgres) DefaultSchema() string { return "public" }

func (Postgres) QuoteIdent(name string) string { return quoteWith(name, '"') }

// Table quotes each part: Postgres takes database.schema.table when the database is the one
// connected to.
func (p Postgres) Table(schema, name string) string { return qualify(p.QuoteIdent, schema, name) }

func (p Postgres) WorkTable(workSchema, name string) string { return p.Table(workSchema, name) }

// String relies on standard_conforming_strings (on by default since 9.1): backslashes are
// ordinary characters and only the quote is doubled.
func (Postgres) String(s string) string { return quoteWith(s, '\'') }

func (Postgres) Type(t Type) string {
	switch t {
	case Int64:
		return "BIGINT"
	case Float64:
		return "DOUBLE PRECISION"
	case Timestamp:
		return "TIMESTAMP"
	case Bool:
		return "BOOLEAN"
	}
	return "TEXT"
}

func (p Postgres) Cast(expr string, t Type) string {
	return fmt.Sprintf("CAST(%s AS %s)", expr, p.Type(t))
}

// Hash64 joins the parts with a unit separator, which no id type name contains, and takes
// Postgres' own 64-bit text hash.
func (Postgres) Hash64(exprs ...string) string {
	return fmt.Sprintf("hashtextextended(concat_ws(chr(31), %s), 0)", strings.Join(exprs, ", "))
}

func (Postgres) Priority(node string, round int) string {
	return fmt.Sprintf("hashint8extended(%s, %d)", node, round)
}

// MinBy takes the smallest (key, value) pair as an array: Postgres has no arg_min, and arrays
// compare element by element.
func (Postgres) MinBy(value, key string) string {
	return fmt.Sprintf("(MIN(ARRAY[%s, %s]))[2]", key, value)
}

func (Postgres) Bytewise(expr string) string { return expr + ` COLLATE "C"` }

func (Postgres) FirstBy(value, order, cond string, last bool) string {
	dir := ""
	if last {
		dir = " DESC"
	}
	return fmt.Sprintf("(ARRAY_AGG(%s ORDER BY %s%s) FILTER (WHERE %s))[1]", value, order, dir, cond)
}

func (Postgres) SecondsBefore(expr string, n int) string {
	return fmt.Sprintf("(%s - INTERVAL '%d seconds')", expr, n)
}

func (Postgres) DaysAgo(n int) string { return fmt.Sprintf("(LOCALTIMESTAMP - INTERVAL '%d days')", n) }

func (Postgres) MD5Hex(expr string) string { return fmt.Sprintf("md5(%s)", expr) }

func (Postgres) Concat(exprs ...string) string { return "(" + strings.Join(exprs, " || ") + ")" }

// Pattern rewrites the project file's RE2 pattern as an ARE with the same meaning (\b is a
// backspace in an ARE; see postgresARE).
func (p Postgres) Pattern(re string) (string, error) {
	are, err := postgresARE(re)
	if err != nil {
		return "", err
	}
	return p.String(are), nil
}

func (Postgres) RegexpMatches(expr, pattern string) string {
	return fmt.Sprintf("(%s ~ %s)", expr, pattern)
}

func (Postgres) RegexpReplace(expr, pattern, replacement string) string {
	return fmt.Sprintf("regexp_replace(%s, %s, %s, 'g')", expr, pattern, replacement)
}

func (Postgres) Now() string { return "LOCALTIMESTAMP" }

func (p Postgres) CreateSchema(schema string) string {
	return "CREATE SCHEMA IF NOT EXISTS " + quotePath(p.QuoteIdent, schema)
}

func (p Postgres) CreateWorkSchema(schema string) string { return p.CreateSchema(schema) }

// CreateTableAs replaces the table: Postgres has no CREATE OR REPLACE TABLE. Scratch tables are
// UNLOGGED: they skip the write-ahead log, which makes them several times cheaper to write, and
// nothing is lost if a crash empties them because a run rebuilds them. Every new table is
// analyzed at once: the next statement joins it, and without statistics the planner guesses
// nested loops that take minutes instead of seconds.
func (p Postgres) CreateTableAs(table, query string, scratch bool) string {
	kind := "TABLE"
	if scratch {
		kind = "UNLOGGED TABLE"
	}
	return p.DropTable(table) + ";\nCREATE " + kind + " " + table + " AS\n" + query + ";\nANALYZE " + table
}

func (d Postgres) CreateIndex(name, table string, columns ...string) string {
	quoted := make([]string, len(columns))
	for i, c := range columns {
		quoted[i] = d.QuoteIdent(c)
	}
	return fmt.Sprintf("CREATE INDEX IF NOT EXISTS %s ON %s (%s)", d.QuoteIdent(name), table, strings.Join(quoted, ", "))
}

func (Postgres) CreateView(view, query string) string {
	return "CREATE OR REPLACE VIEW " + view + " AS\n" + query
}

func (Postgres) DropView(view string) string { return "DROP VIEW IF EXISTS " + view }

func (Postgres) DropTable(table string) string { return "DROP TABLE IF EXISTS " + table }

func (p Postgres) RenameTable(table, newName string) string {
	return "ALTER TABLE " + table + " RENAME TO " + p.QuoteIdent(newName)
}

// Publish drops the old table and renames the new one into place, inside the publish
// transaction.
func (d Postgres) Publish(next, final, finalName string) []string {
	return []string{d.DropTable(final), d.RenameTable(next, finalName)}
}

// Replace copies: Postgres has transactional DDL and publishes by renames, so this form only
// serves tests that plan Postgres as a warehouse without it.
func (p Postgres) Replace(next, final string) string {
	return p.DropTable(final) + ";\nCREATE TABLE " + final + " AS SELECT * FROM " + next
}

func (Postgres) Begin() string  { return "BEGIN" }
func (Postgres) Commit() string { return "COMMIT" }

func (p Postgres) AddColumn(table, column string, t Type) string {
	return fmt.Sprintf("ALTER TABLE %s ADD COLUMN IF NOT EXISTS %s %s", table, p.QuoteIdent(column), p.Type(t))
}

func (Postgres) TablesQuery(schema string) (string, []any) {
	return "SELECT table_name FROM information_schema.tables WHERE table_schema = $1", []any{schema}
}

func (Postgres) ViewsQuery(schema string) (string, []any) {
	return "SELECT table_name FROM information_schema.views WHERE table_schema = $1", []any{schema}
}

func (Postgres) ColumnsQuery(schema, table string) (string, []any) {
	if db, s := splitSchema(schema); db != "" {
		return "SELECT column_name, data_type FROM information_schema.columns WHERE table_catalog = $1 AND table_schema = $2 AND table_name = $3 ORDER BY ordinal_position",
			[]any{db, s, table}
	}
	return "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position",
		[]any{schema, table}
}

func (Postgres) Placeholder(n int) string { return fmt.Sprintf("$%d", n) }

// SchemaQuery reads pg_namespace: information_schema.schemata lists only the schemas the role
// owns or holds a privilege on.
func (Postgres) SchemaQuery(schema string) (string, []any) {
	return "SELECT nspname FROM pg_catalog.pg_namespace WHERE nspname = $1", []any{schema}
}

// CreateLaidOut: Postgres has no clauses that arrange a table's rows; the layout is ignored.
func (x Postgres) CreateLaidOut(table, query string, _ TableLayout) string {
	return unarranged(x, table, query)
}

// ReplaceLaidOut is Replace: the layout is ignored.
func (x Postgres) ReplaceLaidOut(next, final string, _ TableLayout) []string {
	return []string{x.Replace(next, final)}
}
