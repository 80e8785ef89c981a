package dialects

import (
	"fmt"
	"strings"
)

func init() { register(BigQuery{}) }

// BigQuery is Google BigQuery (GoogleSQL). A schema is a dataset, optionally written
// project.dataset; names are quoted with backticks.
type BigQuery struct {
	// Location is where the datasets a run creates go (US, EU, a region); empty leaves it to
	// BigQuery's default. The connector sets it when it connects: the project's
	// warehouse.location, or the location of the source datasets.
	Location string
}

func (BigQuery) Name() string { return "bigquery" }

// Supports: BigQuery's documentation writes a dataset as [project_name.]dataset_name wherever it
// names one (CREATE SCHEMA, table paths), so output datasets may live in another project.
func (BigQuery) Supports(c Capability) bool { return c == ProjectSchemas }

func (BigQuery) DefaultSchema() string { return "" }

func (BigQuery) QuoteIdent(name string) string {
	return "`" + strings.NewReplacer(`\`, `\\`, "`", "\\`").Replace(name) + "`"
}

// Table quotes each part of project.dataset.table on its own. GoogleSQL reads a quoted identifier
// as one part of a path ("Lexical structure and syntax", quoted identifiers and path
// expressions), and quoting every part is always valid, whatever characters a part holds (a
// project id's hyphens).
func (b BigQuery) Table(schema, name string) string { return qualify(b.QuoteIdent, schema, name) }

func (b BigQuery) WorkTable(workSchema, name string) string { return b.Table(workSchema, name) }

// String escapes backslashes too: GoogleSQL reads escape sequences in string literals.
func (BigQuery) String(v string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`, "\n", `\n`, "\r", `\r`).Replace(v) + "'"
}

func (BigQuery) Type(t Type) string {
	switch t {
	case Int64:
		return "INT64"
	case Float64:
		return "FLOAT64"
	case Timestamp:
		return "TIMESTAMP"
	case Bool:
		return "BOOL"
	}
	return "STRING"
}

func (b BigQuery) Cast(expr string, t Type) string {
	return fmt.Sprintf("CAST(%s AS %s)", expr, b.Type(t))
}

// Hash64 is FARM_FINGERPRINT of the parts joined with a unit separator.
func (BigQuery) Hash64(exprs ...string) string {
	parts := make([]string, len(exprs))
	for i, e := range exprs {
		parts[i] = "CAST(" + e + " AS STRING)"
	}
	return fmt.Sprintf("FARM_FINGERPRINT(ARRAY_TO_STRING([%s], '\\x1f'))", strings.Join(parts, ", "))
}

func (BigQuery) Priority(node string, round int) string {
	return fmt.Sprintf("FARM_FINGERPRINT(CONCAT(CAST(%s AS STRING), ':%d'))", node, round)
}

func (BigQuery) MinBy(value, key string) string {
	return fmt.Sprintf("ANY_VALUE(%s HAVING MIN %s)", value, key)
}

// Bytewise: GoogleSQL compares strings by bytes unless a collation is set.
func (BigQuery) Bytewise(expr string) string { return expr }

func (BigQuery) FirstBy(value, order, cond string, last bool) string {
	dir := ""
	if last {
		dir = " DESC"
	}
	return fmt.Sprintf("ARRAY_AGG(IF(%s, %s, NULL) IGNORE NULLS ORDER BY %s%s LIMIT 1)[SAFE_OFFSET(0)]", cond, value, order, dir)
}

func (BigQuery) DaysAgo(n int) string {
	return fmt.Sprintf("TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL %d DAY)", n)
}

func (BigQuery) MD5Hex(expr string) string { return fmt.Sprintf("TO_HEX(MD5(%s))", expr) }

func (BigQuery) Concat(exprs ...string) string { return "CONCAT(" + strings.Join(exprs, ", ") + ")" }

func (BigQuery) StringAgg(expr, sep string) string {
	return fmt.Sprintf("STRING_AGG(%s, %s ORDER BY %s)", expr, BigQuery{}.String(sep), expr)
}

// Pattern: GoogleSQL's regular-expression functions use the RE2 library.
func (b BigQuery) Pattern(re string) (string, error) { return b.String(re), nil }

func (BigQuery) RegexpMatches(expr, pattern string) string {
	return fmt.Sprintf("REGEXP_CONTAINS(%s, %s)", expr, pattern)
}

func (BigQuery) RegexpReplace(expr, pattern, replacement string) string {
	return fmt.Sprintf("REGEXP_REPLACE(%s, %s, %s)", expr, pattern, replacement)
}

func (BigQuery) Now() string { return "CURRENT_TIMESTAMP()" }

// CreateSchema places the dataset in the dialect's location. A dataset's location is fixed when
// it is created, and a query reads only datasets of one location (BigQuery's "Create datasets",
// dataset limitations), so the output datasets must be created where the sources are. The syntax
// is BigQuery's DDL reference, CREATE SCHEMA: [IF NOT EXISTS] [project_name.]dataset_name
// [OPTIONS(schema_option_list)], where the location option names the dataset's location.
func (b BigQuery) CreateSchema(schema string) string {
	s := "CREATE SCHEMA IF NOT EXISTS " + quotePath(b.QuoteIdent, schema)
	if b.Location != "" {
		s += "\nOPTIONS (location = " + b.String(b.Location) + ")"
	}
	return s
}

func (b BigQuery) CreateWorkSchema(schema string) string { return b.CreateSchema(schema) }

// CreateTableAs replaces the table. Scratch tables expire after a day, so that a run that dies
// leaves nothing to pay for.
func (BigQuery) CreateTableAs(table, query string, scratch bool) string {
	opts := ""
	if scratch {
		opts = "\nOPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY))"
	}
	return "CREATE OR REPLACE TABLE " + table + opts + " AS\n" + query
}

func (BigQuery) CreateIndex(name, table string, columns ...string) string { return "" }

func (BigQuery) CreateView(view, query string) string {
	return "CREATE OR REPLACE VIEW " + view + " AS\n" + query
}

func (BigQuery) DropView(view string) string { return "DROP VIEW IF EXISTS " + view }

func (BigQuery) DropTable(table string) string { return "DROP TABLE IF EXISTS " + table }

func (b BigQuery) RenameTable(table, newName string) string {
	return "ALTER TABLE " + table + " RENAME TO " + b.QuoteIdent(newName)
}

// Publish is Replace: BigQuery does not allow DDL inside a transaction, so each table is
// replaced on its own.
func (b BigQuery) Publish(next, final, finalName string) []string {
	return []string{b.Replace(next, final)}
}

// Replace copies next into the published table with a table copy, which bills no bytes
// scanned (CREATE OR REPLACE TABLE … AS SELECT would scan all of next).
func (BigQuery) Replace(next, final string) string {
	return "CREATE OR REPLACE TABLE " + final + " COPY " + next
}

func (BigQuery) Begin() string  { return "BEGIN TRANSACTION" }
func (BigQuery) Commit() string { return "COMMIT TRANSACTION" }

func (b BigQuery) AddColumn(table, column string, t Type) string {
	return fmt.Sprintf("ALTER TABLE %s ADD COLUMN IF NOT EXISTS %s %s", table, b.QuoteIdent(column), b.Type(t))
}

// TablesQuery: a dataset's INFORMATION_SCHEMA.TABLES lists views too; a dataset that does not
// exist is an error ("Not found: Dataset"), which the caller reads as empty.
func (b BigQuery) TablesQuery(schema string) (string, []any) {
	return "SELECT table_name FROM " + quotePath(b.QuoteIdent, schema) + ".INFORMATION_SCHEMA.TABLES", nil
}

func (b BigQuery) ViewsQuery(schema string) (string, []any) {
	return "SELECT table_name FROM " + quotePath(b.QuoteIdent, schema) + ".INFORMATION_SCHEMA.VIEWS", nil
}

func (b BigQuery) ColumnsQuery(schema, table string) (string, []any) {
	return "SELECT column_name FROM " + quotePath(b.QuoteIdent, schema) + ".INFORMATION_SCHEMA.COLUMNS WHERE table_name = @p1 ORDER BY ordinal_position",
		[]any{table}
}

func (BigQuery) Placeholder(n int) string { return fmt.Sprintf("@p%d", n) }

// SchemaQuery reads the SCHEMATA view of the dialect's location (`region-eu`.INFORMATION_SCHEMA,
// per BigQuery's "SCHEMATA view": the view needs a region qualifier, and a project qualifier
// for datasets of another project). Before the connection has chosen a location there is none
// to ask, and a run creates its datasets with IF NOT EXISTS.
func (b BigQuery) SchemaQuery(schema string) (string, []any) {
	if b.Location == "" {
		return "", nil
	}
	project, dataset := splitSchema(schema)
	view := b.QuoteIdent("region-"+strings.ToLower(b.Location)) + ".INFORMATION_SCHEMA.SCHEMATA"
	if project != "" {
		view = b.QuoteIdent(project) + "." + view
	}
	return "SELECT schema_name FROM " + view + " WHERE schema_name = @p1", []any{dataset}
}
