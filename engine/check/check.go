// Package check compares a project file with the warehouse: every source table exists, every
// mapped column exists, and every user-written expression and filter runs.
package check

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/dialects"
	"github.com/idstitch/idstitch/engine/config"
	"github.com/idstitch/idstitch/engine/plan"
	"github.com/idstitch/idstitch/engine/render"
	idsql "github.com/idstitch/idstitch/sql"
)

// Sources checks every source of the project against the warehouse and returns the first
// problem as one sentence naming the file, the key and the table.
func Sources(ctx context.Context, conn connectors.Conn, pl *plan.Planner) error {
	p := pl.Project
	d := conn.Dialect()
	// Every statement below holds the user's text; the warehouse's parser sees it first.
	if err := Expressions(ctx, conn, pl); err != nil {
		return err
	}
	pr := newProbes(pl)
	for i, s := range p.Sources {
		if s.Landing {
			// idstitch makes it (setup), with the columns the run reads.
			continue
		}
		key := fmt.Sprintf("sources[%d]", i)
		schema := s.Schema()
		if schema == "" {
			schema = d.DefaultSchema()
		}
		cols, err := columns(ctx, conn, schema, s.TableName())
		if err != nil {
			return fmt.Errorf("%s: %s.table: cannot list the columns of %s: %w", p.File, key, s.Table, err)
		}
		if len(cols) == 0 {
			return fmt.Errorf("%s: %s.table: table %s does not exist in the warehouse; create it or fix the name", p.File, key, s.Table)
		}
		has := func(name string) bool {
			for _, c := range cols {
				if c == name || (d.Supports(dialects.CaseInsensitiveNames) && strings.EqualFold(c, name)) {
					return true
				}
			}
			return false
		}
		// The stitched view is the source's row with universal_id added: a column of that name
		// would be there twice, which Postgres refuses and DuckDB renames.
		for _, c := range cols {
			if strings.EqualFold(c, "universal_id") {
				return fmt.Errorf("%s: %s.table: table %s has a column %s, the name of the column that the view %s_stitched adds to the source's columns; point %s.table at a view of it that renames the column",
					p.File, key, s.Table, c, s.Name, key)
			}
		}
		missing := func(k, col string) error {
			return fmt.Errorf("%s: %s.%s: column %q does not exist in table %s (its columns: %s)", p.File, key, k, col, s.Table, strings.Join(cols, ", "))
		}
		if s.Timestamp != "" && !has(s.Timestamp) {
			return missing("timestamp", s.Timestamp)
		}
		if s.ScopeColumn != "" && !has(s.ScopeColumn) {
			return missing("scope_column", s.ScopeColumn)
		}
		for _, m := range s.IDs {
			for _, c := range m.Columns {
				if config.IsColumn(c) {
					if !has(c) {
						return missing("ids."+m.Type, c)
					}
					continue
				}
				if err := try(ctx, conn, pr.expression(s, c)); err != nil {
					return fmt.Errorf("%s: %s.ids.%s: the expression %q does not run on %s: %s", p.File, key, m.Type, c, s.Table, err)
				}
			}
		}
		if s.Filter != "" {
			if err := try(ctx, conn, pr.filter(s)); err != nil {
				return fmt.Errorf("%s: %s.filter: the filter %q does not run on %s: %s", p.File, key, s.Filter, s.Table, err)
			}
		}
		// The traits read from this source are part of its extraction: each is tried on its own
		// first, so that a bad one is named rather than blamed on the normalizers.
		for j, tr := range p.Traits {
			if tr.Source != s.Name {
				continue
			}
			if tr.Expr != "" {
				if err := try(ctx, conn, pr.expression(s, tr.Expr)); err != nil {
					return fmt.Errorf("%s: traits[%d].expr: the expression %q of trait %s does not run on %s: %s", p.File, j, tr.Expr, tr.Name, s.Table, err)
				}
			}
			if tr.Filter != "" {
				if err := try(ctx, conn, pr.condition(s, tr.Filter)); err != nil {
					return fmt.Errorf("%s: traits[%d].filter: the filter %q of trait %s does not run on %s: %s", p.File, j, tr.Filter, tr.Name, s.Table, err)
				}
			}
		}
		if err := attributes(ctx, conn, pr, p, s, has); err != nil {
			return err
		}
		// What is left to go wrong is a normalizer's expression of one of the mapped id types.
		if err := try(ctx, conn, pr.extract(s)); err != nil {
			return fmt.Errorf("%s: %s: the SQL built from the normalize entries of its id types does not run on %s (check each {expr: …}): %s", p.File, key, s.Table, err)
		}
	}
	// The schemas idstitch writes must hold only what it made before anything runs, the
	// rehearsal included (it writes schemas of its own, inside a transaction rolled back).
	if _, err := Ownership(ctx, conn, pl); err != nil {
		return err
	}
	return Rehearse(ctx, conn, pl)
}

// Expressions asks the warehouse's own parser, where it has one that runs nothing, whether each
// user expression of the project is one expression, pasted into SELECT (…) as the planner pastes
// it into its statements. The project file's lexical check (engine/expr) has passed already; the
// parser is the warehouse's word on what the lexical check can only read from its rules.
func Expressions(ctx context.Context, conn connectors.Conn, pl *plan.Planner) error {
	parser, ok := conn.(connectors.Parser)
	if !ok {
		return nil
	}
	p := pl.Project
	for _, e := range p.Expressions() {
		if err := parser.ParseOne(ctx, render.SQL(pl.Renderer(), idsql.ParseProbe, idsql.ParseProbeData{Expr: e.Text})); err != nil {
			if connectors.KindOf(err) != connectors.BadSQL {
				return fmt.Errorf("%s: %s: cannot check the expression with the warehouse's parser: %w", p.File, e.Key, err)
			}
			return fmt.Errorf("%s:%d: %s: %s is not one SQL expression to the %s parser (%s); write a single expression, as it would stand inside parentheses",
				p.File, e.Line, e.Key, config.Excerpt(e.Text), conn.Dialect().Name(), firstLine(err))
		}
	}
	return nil
}

func columns(ctx context.Context, conn connectors.Conn, schema, table string) ([]string, error) {
	cols, err := Columns(ctx, conn, schema, table)
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.Name
	}
	return names, err
}

// Column is a column of a table, with its type as the warehouse's information schema writes it.
type Column struct {
	Name, Type string
}

// Columns lists the columns of a table in their order; none when the table does not exist.
func Columns(ctx context.Context, conn connectors.Conn, schema, table string) ([]Column, error) {
	q, args := conn.Dialect().ColumnsQuery(schema, table)
	rows, err := conn.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var cols []Column
	for rows.Next() {
		var c Column
		if err := rows.Scan(&c.Name, &c.Type); err != nil {
			return nil, err
		}
		cols = append(cols, c)
	}
	return cols, rows.Err()
}

// probes renders the queries that check a source's expressions, filter and extraction; each
// reads no rows.
type probes struct {
	pl *plan.Planner
	r  *render.Renderer
}

func newProbes(pl *plan.Planner) probes {
	return probes{pl: pl, r: pl.Renderer()}
}

// expression selects expr, a user's expression as written, from the source's table.
func (p probes) expression(s config.Source, expr string) string {
	return render.SQL(p.r, idsql.CheckExpression, idsql.CheckExpressionData{Expr: expr, Table: p.pl.SourceTable(s)})
}

// filter applies the source's filter to its table.
func (p probes) filter(s config.Source) string {
	return render.SQL(p.r, idsql.CheckFilter, idsql.CheckFilterData{Table: p.pl.SourceTable(s), Filter: s.Filter})
}

// condition applies a condition written for the source's rows (a trait's filter) to its table.
func (p probes) condition(s config.Source, cond string) string {
	return render.SQL(p.r, idsql.CheckFilter, idsql.CheckFilterData{Table: p.pl.SourceTable(s), Filter: cond})
}

// extract runs the source's extraction, which applies the normalizers of its id types.
func (p probes) extract(s config.Source) string {
	return render.SQL(p.r, idsql.CheckExtract, idsql.CheckExtractData{Query: p.pl.ExtractQuery(s)})
}

// try runs a query that reads no rows, to see whether it binds.
func try(ctx context.Context, conn connectors.Conn, query string) error {
	rows, err := conn.Query(ctx, query)
	if err != nil {
		return firstLine(err)
	}
	rows.Close()
	return nil
}

// firstLine keeps the driver's first line: enough to see what is wrong without a stack of text.
func firstLine(err error) error {
	msg := err.Error()
	var ce *connectors.Error
	if errors.As(err, &ce) {
		msg = ce.Err.Error()
	}
	if i := strings.IndexByte(msg, '\n'); i >= 0 {
		msg = msg[:i]
	}
	return fmt.Errorf("%s", msg)
}

// Unscoped counts, per source of a project with scopes, the rows that a run leaves out because
// their scope column holds NULL or a scope the project does not declare, and no default scope
// takes them. It returns one warning per source with such rows, naming the count.
func Unscoped(ctx context.Context, conn connectors.Conn, pl *plan.Planner) ([]string, error) {
	p := pl.Project
	var out []string
	for i, s := range p.Sources {
		q := pl.UnscopedRows(s)
		if q == "" {
			continue
		}
		n, err := count(ctx, conn, q)
		if err != nil {
			return nil, fmt.Errorf("%s: sources[%d].scope_column: cannot count the rows of %s without a declared scope: %w", p.File, i, s.Table, err)
		}
		if n > 0 {
			out = append(out, fmt.Sprintf("%s: sources[%d].scope_column: %d rows of %s have NULL or an undeclared scope in %s and are left out of the graph; declare their scopes under scopes.pools, or set scopes.default",
				p.File, i, n, s.Table, s.ScopeColumn))
		}
	}
	return out, nil
}
