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

func (BigQuery) SecondsBefore(expr string, n int) string {
	return fmt.Sprintf("TIMESTAMP_SUB(%s, INTERVAL %d SECOND)", expr, n)
}

func (BigQuery) MD5Hex(expr string) string { return fmt.Sprintf("TO_HEX(MD5(%s))", expr) }

func (BigQuery) Concat(exprs ...string) string { return "CONCAT(" + strings.Join(exprs, ", ") + ")" }

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

// CreateLaidOut partitions and clusters the table as layout asks (BigQuery's DDL reference,
// CREATE TABLE: PARTITION BY partition_expression and CLUSTER BY clustering_column_list come
// before OPTIONS and AS query_statement). Why it pays:
//
//   - On-demand billing counts the bytes of the columns a query references in the tables it
//     scans; a filter on the partitioning column with a constant expression prunes the
//     partitions outside it before the scan ("Query partitioned tables"), and a DML statement
//     bills the partitions it scans and updates instead of the whole table ("DML statements",
//     on-demand query size calculation). A filter computed by a subquery does not prune
//     partitions, which is why the windows of incremental runs are literals.
//   - Clustering sorts the blocks by the clustered columns; a query filtering on them scans only
//     the blocks that can hold matching rows ("Introduction to clustered tables"). How many is
//     known only when the query runs: a dry run reports the bound without it.
//
// Time partitions are months, not days: a job may write at most 4,000 partitions ("Quotas and
// limits", partitioned tables), which daily partitions reach with 11 years of history in one
// CREATE … AS SELECT, and months never do within the range BigQuery partitions (1960 to 2159;
// other times and NULL go to partitions of their own). Incremental windows are days long, so a
// month is the partition they mostly read.
func (b BigQuery) CreateLaidOut(table, query string, l TableLayout) string {
	clauses := ""
	if l.TimePartition != "" {
		clauses += "\nPARTITION BY TIMESTAMP_TRUNC(" + b.QuoteIdent(l.TimePartition) + ", MONTH)"
	}
	if len(l.Cluster) > 0 {
		cols := make([]string, 0, len(l.Cluster))
		for _, c := range l.Cluster {
			if len(cols) < 4 { // BigQuery clusters by at most four columns
				cols = append(cols, b.QuoteIdent(c))
			}
		}
		clauses += "\nCLUSTER BY " + strings.Join(cols, ", ")
	}
	return "CREATE OR REPLACE TABLE " + table + clauses + " AS\n" + query
}

// ReplaceLaidOut drops the published table first when next is partitioned: CREATE OR REPLACE
// refuses to replace a table by one partitioned otherwise ("Cannot replace a table with a
// different partitioning spec"), which the state tables of an earlier version are. Clustering
// may change in a replacement, so an output table that is only clustered is replaced in one
// statement and keeps its grants. CREATE TABLE … COPY gives the new table the partitioning and
// clustering of the one it copies (DDL reference, CREATE TABLE COPY). Dropping first is safe
// for the state tables that are partitioned: only runs read them, and a publish stopped between
// the two statements is completed by the next run, which runs both again.
func (b BigQuery) ReplaceLaidOut(next, final string, l TableLayout) []string {
	if l.TimePartition == "" {
		return []string{b.Replace(next, final)}
	}
	return []string{b.DropTable(final), b.Replace(next, final)}
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
	return "SELECT column_name, data_type FROM " + quotePath(b.QuoteIdent, schema) + ".INFORMATION_SCHEMA.COLUMNS WHERE table_name = @p1 ORDER BY ordinal_position",
		[]any{table}
}

func (BigQuery) Placeholder(n int) string { return fmt.Sprintf("@p%d", n) }

// SchemaQuery: none. BigQuery's SCHEMATA view needs a region qualifier and bigquery.datasets.get
// on the whole project; the connector reads the dataset's own metadata instead
// (connectors.SchemaProber).
func (BigQuery) SchemaQuery(string) (string, []any) { return "", nil }
