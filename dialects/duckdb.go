package dialects

import (
	"fmt"
	"strings"
)

func init() { register(DuckDB{}) }

// DuckDB is the embedded default warehouse.
type DuckDB struct{}

func (DuckDB) Name() string { return "duckdb" }

func (DuckDB) Supports(c Capability) bool {
	switch c {
	case TransactionalDDL, CaseInsensitiveNames, TypedHash, SingleWriter, DropEarly:
		return true
	}
	return false
}

func (DuckDB) DefaultSchema() string { return "main" }

func (DuckDB) QuoteIdent(name string) string { return quoteWith(name, '"') }

// Table quotes each part: a source in an attached file is written file.schema.table.
func (d DuckDB) Table(schema, name string) string { return qualify(d.QuoteIdent, schema, name) }

// WorkTable names the table inside the attached work database (see CreateWorkSchema), fully
// qualified so that a schema of the same name in the main file cannot make it ambiguous.
func (d DuckDB) WorkTable(workSchema, name string) string {
	return d.QuoteIdent(workSchema) + ".main." + d.QuoteIdent(name)
}

func (DuckDB) String(s string) string { return quoteWith(s, '\'') }

func (DuckDB) Type(t Type) string {
	switch t {
	case Int64:
		return "BIGINT"
	case Float64:
		return "DOUBLE"
	case Timestamp:
		return "TIMESTAMP"
	case Bool:
		return "BOOLEAN"
	}
	return "VARCHAR"
}

func (d DuckDB) Cast(expr string, t Type) string {
	return fmt.Sprintf("CAST(%s AS %s)", expr, d.Type(t))
}

// Hash64 shifts DuckDB's unsigned 64-bit hash into the signed range so that it fits a BIGINT
// without losing a bit.
func (DuckDB) Hash64(exprs ...string) string {
	return fmt.Sprintf("CAST(CAST(hash(%s) AS HUGEINT) - 9223372036854775808 AS BIGINT)", strings.Join(exprs, ", "))
}

func (d DuckDB) Priority(node string, round int) string {
	return d.Hash64(node, fmt.Sprint(round))
}

// Bytewise: DuckDB's default collation already compares bytes.
func (DuckDB) Bytewise(expr string) string { return expr }

func (DuckDB) FirstBy(value, order, cond string, last bool) string {
	f := "arg_min"
	if last {
		f = "arg_max"
	}
	return fmt.Sprintf("%s(%s, %s) FILTER (WHERE %s)", f, value, order, cond)
}

func (DuckDB) DaysAgo(n int) string {
	return fmt.Sprintf("(CAST(current_timestamp AS TIMESTAMP) - INTERVAL '%d days')", n)
}

func (DuckDB) SecondsBefore(expr string, n int) string {
	return fmt.Sprintf("(%s - INTERVAL '%d seconds')", expr, n)
}

func (DuckDB) MD5Hex(expr string) string { return fmt.Sprintf("md5(%s)", expr) }

func (DuckDB) Concat(exprs ...string) string { return "(" + strings.Join(exprs, " || ") + ")" }

func (DuckDB) MinBy(value, key string) string { return fmt.Sprintf("arg_min(%s, %s)", value, key) }

// Pattern: DuckDB's regular expressions are RE2's.
func (d DuckDB) Pattern(re string) (string, error) { return d.String(re), nil }

func (DuckDB) RegexpMatches(expr, pattern string) string {
	return fmt.Sprintf("regexp_matches(%s, %s)", expr, pattern)
}

func (DuckDB) RegexpReplace(expr, pattern, replacement string) string {
	return fmt.Sprintf("regexp_replace(%s, %s, %s, 'g')", expr, pattern, replacement)
}

func (d DuckDB) AddColumn(table, column string, t Type) string {
	return fmt.Sprintf("ALTER TABLE %s ADD COLUMN IF NOT EXISTS %s %s", table, d.QuoteIdent(column), d.Type(t))
}

func (DuckDB) Now() string { return "current_timestamp" }

func (d DuckDB) CreateSchema(schema string) string {
	return "CREATE SCHEMA IF NOT EXISTS " + quotePath(d.QuoteIdent, schema)
}

// CreateWorkSchema attaches an in-memory database under the work schema's name: DuckDB resolves
// "work"."table" to it, intermediate tables never touch the file (writing them costs several
// times more than computing them), and DuckDB spills to its temp directory when memory runs short.
func (d DuckDB) CreateWorkSchema(schema string) string {
	return "ATTACH IF NOT EXISTS ':memory:' AS " + d.QuoteIdent(schema)
}

func (DuckDB) CreateTableAs(table, query string, scratch bool) string {
	return "CREATE OR REPLACE TABLE " + table + " AS\n" + query
}

func (d DuckDB) CreateIndex(name, table string, columns ...string) string {
	quoted := make([]string, len(columns))
	for i, c := range columns {
		quoted[i] = d.QuoteIdent(c)
	}
	return fmt.Sprintf("CREATE INDEX IF NOT EXISTS %s ON %s (%s)", d.QuoteIdent(name), table, strings.Join(quoted, ", "))
}

func (DuckDB) CreateView(view, query string) string {
	return "CREATE OR REPLACE VIEW " + view + " AS\n" + query
}

func (DuckDB) DropView(view string) string { return "DROP VIEW IF EXISTS " + view }

func (DuckDB) DropTable(table string) string { return "DROP TABLE IF EXISTS " + table }

func (d DuckDB) RenameTable(table, newName string) string {
	return "ALTER TABLE " + table + " RENAME TO " + d.QuoteIdent(newName)
}

// Publish drops the old table and renames the new one into place, inside the publish
// transaction.
func (d DuckDB) Publish(next, final, finalName string) []string {
	return []string{d.DropTable(final), d.RenameTable(next, finalName)}
}

// Replace copies: DuckDB has transactional DDL and publishes by renames, so this form only
// serves tests that plan DuckDB as a warehouse without it.
func (DuckDB) Replace(next, final string) string {
	return "CREATE OR REPLACE TABLE " + final + " AS SELECT * FROM " + next
}

func (DuckDB) Begin() string  { return "BEGIN TRANSACTION" }
func (DuckDB) Commit() string { return "COMMIT" }

// TablesQuery looks in the attached file a schema names, if it names one, and otherwise in the
// database file itself: the work schema is another attached database whose schema is main.
func (DuckDB) TablesQuery(schema string) (string, []any) {
	if db, s := splitSchema(schema); db != "" {
		return "SELECT table_name FROM information_schema.tables WHERE table_catalog = ? AND table_schema = ?", []any{db, s}
	}
	return "SELECT table_name FROM information_schema.tables WHERE table_catalog = current_database() AND table_schema = ?", []any{schema}
}

func (DuckDB) ViewsQuery(schema string) (string, []any) {
	return "SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'VIEW'", []any{schema}
}

// ColumnsQuery looks in the attached file a schema names, if it names one.
func (DuckDB) ColumnsQuery(schema, table string) (string, []any) {
	if db, s := splitSchema(schema); db != "" {
		return "SELECT column_name, data_type FROM information_schema.columns WHERE table_catalog = ? AND table_schema = ? AND table_name = ? ORDER BY ordinal_position",
			[]any{db, s, table}
	}
	return "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position",
		[]any{schema, table}
}

// Placeholder is numbered, so that one parameter can stand in several places of a statement.
func (DuckDB) Placeholder(n int) string { return fmt.Sprintf("$%d", n) }

// SchemaQuery looks in the database file itself: the work schema is an attached database, which
// a run attaches every time.
func (DuckDB) SchemaQuery(schema string) (string, []any) {
	if db, s := splitSchema(schema); db != "" {
		return "SELECT schema_name FROM information_schema.schemata WHERE catalog_name = ? AND schema_name = ?", []any{db, s}
	}
	return "SELECT schema_name FROM information_schema.schemata WHERE catalog_name = current_database() AND schema_name = ?", []any{schema}
}

// CreateLaidOut: DuckDB has no clauses that arrange a table's rows; the layout is ignored.
func (x DuckDB) CreateLaidOut(table, query string, _ TableLayout) string {
	return unarranged(x, table, query)
}

// ReplaceLaidOut is Replace: the layout is ignored.
func (x DuckDB) ReplaceLaidOut(next, final string, _ TableLayout) []string {
	return []string{x.Replace(next, final)}
}

// WorkTablesQuery lists the tables of the attached work database (see CreateWorkSchema).
func (d DuckDB) WorkTablesQuery(workSchema string) (string, []any) {
	return d.TablesQuery(workSchema + ".main")
}
