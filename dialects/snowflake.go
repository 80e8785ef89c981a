package dialects

import (
	"fmt"
	"regexp"
	"strings"
)

func init() { register(Snowflake{}) }

// Snowflake folds unquoted names to upper case. A name from the project file written the usual
// way (lower case, letters, digits, _) is quoted in upper case, so that it names the same object as
// the unquoted name would; any other name is quoted as written.
type Snowflake struct{}

func (Snowflake) Name() string { return "snowflake" }

func (Snowflake) Supports(c Capability) bool {
	return c == CaseInsensitiveNames
}

func (Snowflake) DefaultSchema() string { return "PUBLIC" }

var plainName = regexp.MustCompile(`^[a-z_][a-z0-9_$]*$`)

func (Snowflake) QuoteIdent(name string) string {
	if plainName.MatchString(name) {
		name = strings.ToUpper(name)
	}
	return quoteWith(name, '"')
}

// Table quotes each part of a name such as RAW_DB.WEB.EVENTS on its own: Snowflake's object
// identifiers are database.schema.object, each part an identifier of its own ("Object name
// resolution" in Snowflake's documentation).
func (s Snowflake) Table(schema, name string) string { return qualify(s.QuoteIdent, schema, name) }

func (s Snowflake) WorkTable(workSchema, name string) string { return s.Table(workSchema, name) }

// String escapes backslashes too: Snowflake reads escape sequences in string literals, so a
// regular expression such as '\s' would otherwise lose its backslash.
func (Snowflake) String(v string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `''`).Replace(v) + "'"
}

func (Snowflake) Type(t Type) string {
	switch t {
	case Int64:
		return "BIGINT"
	case Float64:
		return "DOUBLE"
	case Timestamp:
		// TIMESTAMP is TIMESTAMP_NTZ unless an account changes TIMESTAMP_TYPE_MAPPING; the
		// plain name also runs on the emulator the tests use.
		return "TIMESTAMP"
	case Bool:
		return "BOOLEAN"
	}
	return "VARCHAR"
}

func (s Snowflake) Cast(expr string, t Type) string {
	return fmt.Sprintf("CAST(%s AS %s)", expr, s.Type(t))
}

// Hash64 is Snowflake's HASH: a signed 64-bit hash of any number of arguments.
func (Snowflake) Hash64(exprs ...string) string {
	return fmt.Sprintf("HASH(%s)", strings.Join(exprs, ", "))
}

func (Snowflake) Priority(node string, round int) string {
	return fmt.Sprintf("HASH(%s, %d)", node, round)
}

func (Snowflake) MinBy(value, key string) string { return fmt.Sprintf("MIN_BY(%s, %s)", value, key) }

// Bytewise: Snowflake compares strings by bytes unless an account or column sets a collation.
func (Snowflake) Bytewise(expr string) string { return expr }

// FirstBy relies on MIN_BY/MAX_BY skipping rows whose key is NULL.
func (Snowflake) FirstBy(value, order, cond string, last bool) string {
	f := "MIN_BY"
	if last {
		f = "MAX_BY"
	}
	return fmt.Sprintf("%s(%s, IFF(%s, %s, NULL))", f, value, cond, order)
}

func (Snowflake) SecondsBefore(expr string, n int) string {
	return fmt.Sprintf("DATEADD(second, -%d, %s)", n, expr)
}

func (Snowflake) DaysAgo(n int) string { return fmt.Sprintf("DATEADD(day, -%d, SYSDATE())", n) }

func (Snowflake) MD5Hex(expr string) string { return fmt.Sprintf("MD5(%s)", expr) }

func (Snowflake) Concat(exprs ...string) string { return "(" + strings.Join(exprs, " || ") + ")" }

// Pattern rewrites the pattern as a POSIX extended regular expression (see posixERE), the syntax
// Snowflake's regular-expression functions read.
func (s Snowflake) Pattern(re string) (string, error) {
	ere, err := posixERE(re)
	if err != nil {
		return "", err
	}
	return s.String(ere), nil
}

// RegexpMatches searches: REGEXP_LIKE would have to match the whole value.
func (Snowflake) RegexpMatches(expr, pattern string) string {
	return fmt.Sprintf("(REGEXP_INSTR(%s, %s) > 0)", expr, pattern)
}

func (Snowflake) RegexpReplace(expr, pattern, replacement string) string {
	return fmt.Sprintf("REGEXP_REPLACE(%s, %s, %s)", expr, pattern, replacement)
}

func (Snowflake) Now() string { return "SYSDATE()" }

func (s Snowflake) CreateSchema(schema string) string {
	return "CREATE SCHEMA IF NOT EXISTS " + quotePath(s.QuoteIdent, schema)
}

// CreateWorkSchema makes the work schema TRANSIENT: no Fail-safe storage is paid for tables a
// run rebuilds anyway.
func (s Snowflake) CreateWorkSchema(schema string) string {
	return "CREATE TRANSIENT SCHEMA IF NOT EXISTS " + quotePath(s.QuoteIdent, schema)
}

// CreateTableAs makes every table it creates TRANSIENT, scratch or not: idstitch rebuilds its
// tables from the sources, and a permanent table would keep each replaced generation for
// Time Travel and then seven days of Fail-safe, paid as storage. The tables that keep history
// (runs, audience_history, id_changes) are created otherwise and stay permanent.
func (Snowflake) CreateTableAs(table, query string, scratch bool) string {
	return "CREATE OR REPLACE TRANSIENT TABLE " + table + " AS\n" + query
}

func (Snowflake) CreateIndex(name, table string, columns ...string) string { return "" }

// CreateView keeps the grants of the view it replaces (COPY GRANTS); without it, CREATE OR
// REPLACE drops them and people lose access at every run.
func (Snowflake) CreateView(view, query string) string {
	return "CREATE OR REPLACE VIEW " + view + " COPY GRANTS AS\n" + query
}

func (Snowflake) DropView(view string) string { return "DROP VIEW IF EXISTS " + view }

func (Snowflake) DropTable(table string) string { return "DROP TABLE IF EXISTS " + table }

func (s Snowflake) RenameTable(table, newName string) string {
	return "ALTER TABLE " + table + " RENAME TO " + s.QuoteIdent(newName)
}

// Publish is Replace: Snowflake commits DDL at once, so each table is replaced on its own
// (SWAP WITH is not used: it would move the grants on the published table to the one dropped).
func (s Snowflake) Publish(next, final, finalName string) []string {
	return []string{s.Replace(next, final)}
}

// Replace clones next (no data is copied) into the published table, keeping the grants people
// gave on the table it replaces: with CLONE, COPY GRANTS gives precedence to the table being
// replaced. The clone is TRANSIENT because next is, and a transient table cannot be cloned into a
// permanent one.
func (Snowflake) Replace(next, final string) string {
	return "CREATE OR REPLACE TRANSIENT TABLE " + final + " CLONE " + next + " COPY GRANTS"
}

func (Snowflake) Begin() string  { return "BEGIN" }
func (Snowflake) Commit() string { return "COMMIT" }

func (s Snowflake) AddColumn(table, column string, t Type) string {
	return fmt.Sprintf("ALTER TABLE %s ADD COLUMN IF NOT EXISTS %s %s", table, s.QuoteIdent(column), s.Type(t))
}

// infoSchema is the INFORMATION_SCHEMA that describes a schema: Snowflake has one per database,
// describing that database's objects ("Snowflake Information Schema" in its documentation), so a
// schema written with its database (RAW_DB.WEB) is looked up in RAW_DB's.
func (s Snowflake) infoSchema(schema string) (prefix, name string) {
	db, name := splitSchema(schema)
	if db == "" {
		return "information_schema", name
	}
	return quotePath(s.QuoteIdent, db) + ".information_schema", name
}

// TablesQuery: Snowflake's INFORMATION_SCHEMA.TABLES lists views too.
func (s Snowflake) TablesQuery(schema string) (string, []any) {
	is, name := s.infoSchema(schema)
	return "SELECT table_name FROM " + is + ".tables WHERE UPPER(table_schema) = UPPER(?)", []any{name}
}

func (s Snowflake) ViewsQuery(schema string) (string, []any) {
	is, name := s.infoSchema(schema)
	return "SELECT table_name FROM " + is + ".views WHERE UPPER(table_schema) = UPPER(?)", []any{name}
}

func (s Snowflake) ColumnsQuery(schema, table string) (string, []any) {
	is, name := s.infoSchema(schema)
	return "SELECT column_name, data_type FROM " + is + ".columns WHERE UPPER(table_schema) = UPPER(?) AND UPPER(table_name) = UPPER(?) ORDER BY ordinal_position",
		[]any{name, table}
}

func (Snowflake) Placeholder(n int) string { return fmt.Sprintf(":%d", n) }

// SchemaQuery reads the database's INFORMATION_SCHEMA.SCHEMATA, which lists the schemas the role
// may see; one it may not see it could not write either.
func (s Snowflake) SchemaQuery(schema string) (string, []any) {
	is, name := s.infoSchema(schema)
	return "SELECT schema_name FROM " + is + ".schemata WHERE UPPER(schema_name) = UPPER(?)", []any{name}
}

// CreateLaidOut: Snowflake has no clauses that arrange a table's rows; the layout is ignored.
func (x Snowflake) CreateLaidOut(table, query string, _ TableLayout) string {
	return unarranged(x, table, query)
}

// ReplaceLaidOut is Replace: the layout is ignored.
func (x Snowflake) ReplaceLaidOut(next, final string, _ TableLayout) []string {
	return []string{x.Replace(next, final)}
}
