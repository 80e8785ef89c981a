package check

import (
	"slices"

	"github.com/idstitch/idstitch/dialects"
	"github.com/idstitch/idstitch/engine/config"
	"github.com/idstitch/idstitch/engine/plan"
)

// The functions below count the statements that the checks of this package send, for a project
// whose schemas are in the steady state of a project that has run before: they exist, the
// registry lists everything the project makes, and no other project's objects are there. They
// follow the code above them statement by statement; a test runs the checks on a connection that
// records what it is sent and compares (internal/warehousetest, StatementCounts).

// SourcesSends counts the statements Sources sends when every check passes, on a connection
// that cannot parse statements without running them nor rehearse a plan (the Snowflake and
// BigQuery connectors): per source, the listing of its columns and a query per expression,
// filter and extraction; then Ownership.
func SourcesSends(pl *plan.Planner) int {
	p := pl.Project
	n := 0
	for _, s := range p.Sources {
		if s.Landing {
			continue
		}
		n += 2 // the columns, and the extraction
		for _, m := range s.IDs {
			for _, c := range m.Columns {
				if !config.IsColumn(c) {
					n++
				}
			}
		}
		if s.Filter != "" {
			n++
		}
		for _, tr := range p.Traits {
			if tr.Source != s.Name {
				continue
			}
			if tr.Expr != "" {
				n++
			}
			if tr.Filter != "" {
				n++
			}
		}
		for _, a := range p.Attributes {
			if a.Expr != "" && !config.IsColumn(a.Expr) && slices.Contains(p.AttributeSources(a), s.Name) {
				n++
			}
		}
	}
	return n + OwnershipSends()
}

// ParseSends counts the statements that Expressions hands to a connection that parses them (the
// DuckDB and Postgres connectors): one per user expression. They run nothing.
func ParseSends(pl *plan.Planner) int { return len(pl.Project.Expressions()) }

// RehearsalSends counts the statements of the rehearsal that Sources runs, in one transaction
// rolled back, on a connection that rehearses (DuckDB and Postgres): 0 where the dialect has no
// transactional DDL.
func RehearsalSends(pl *plan.Planner) (int, error) {
	if !pl.Dialect.Supports(dialects.TransactionalDDL) {
		return 0, nil
	}
	stmts, _, err := rehearsal(pl, pl.Dialect)
	return len(stmts), err
}

// OwnershipSends counts the queries of Ownership: the tables of the output, state and work
// schemas, and the registry.
func OwnershipSends() int { return 3 + 1 }

// ClaimSends counts the statements of Claim: Ownership, the output schema made if missing (asked
// through the client where the dialect has no query for it), and the registry made if missing.
func ClaimSends(pl *plan.Planner) int {
	return OwnershipSends() + SchemaSends(pl.Dialect, pl.Project.Output.Schema) + 1
}

// SchemaSends counts the statements EnsureSchema sends for a schema that exists: the query
// asking for it, or none where the connection asks its client (BigQuery reads the dataset's
// metadata, which is not a job).
func SchemaSends(d dialects.Dialect, schema string) int {
	if q, _ := d.SchemaQuery(schema); q == "" {
		return 0
	}
	return 1
}
