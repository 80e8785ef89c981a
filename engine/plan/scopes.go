package plan

import (
	"fmt"

	"github.com/idstitch/idstitch/engine/config"
	"github.com/idstitch/idstitch/engine/render"
	idsql "github.com/idstitch/idstitch/sql"
)

// Scopes (docs/scopes.md). Inside a run an identifier of a project with scopes is its type and
// its qualified value: the scope (for a local type) or the pool (for a shared one), a bar, and
// the value. Every stage that keys identifiers by (type, value) or by node id therefore keys them
// by the qualifier as well, and the universal id's hash covers it; the published tables carry
// the bare value with scope and pool columns. Without scopes the value is the value, and every
// statement is the one of a project without scopes.

// slotValue is the SQL of a slot's identifier value inside a run, over a row of extracted rows.
func (pl *Planner) slotValue(t config.IDType, n int) string {
	v := fmt.Sprintf("v%d", n)
	if !pl.Project.Scoped() {
		return v
	}
	qual := "pl"
	if t.Scope == config.ScopeLocal {
		qual = "sc"
	}
	return pl.Dialect.Concat(qual, pl.Dialect.String("|"), v)
}

// scopedSlots reports whether the slots' values are qualified by scope or pool.
func scopedSlots(slots []idsql.Slot) bool {
	return len(slots) > 0 && slots[0].Value != fmt.Sprintf("v%d", slots[0].N)
}

// scoping is what templates need of the project's scopes, with the scope of source s's rows
// (nil for none); nil when the project declares no scopes.
func (pl *Planner) scoping(s *config.Source) *idsql.Scoping {
	p := pl.Project
	if !p.Scoped() {
		return nil
	}
	out := &idsql.Scoping{Default: p.Scopes.Default, Local: p.LocalTypes()}
	for _, pool := range p.Scopes.Pools {
		for _, sc := range pool.Scopes {
			out.Scopes = append(out.Scopes, idsql.ScopePool{Scope: sc, Pool: pool.Name})
		}
	}
	if s != nil {
		switch {
		case s.ScopeColumn != "":
			out.Column = pl.Dialect.QuoteIdent(s.ScopeColumn)
		case s.Scope != "":
			out.Fixed = s.Scope
		default:
			out.Fixed = p.Scopes.Default
		}
	}
	return out
}

// UnscopedRows is the query counting the rows of source s that a run leaves out because their
// scope column holds NULL or an undeclared scope and no default scope takes them; "" when no
// row of s can be left out.
func (pl *Planner) UnscopedRows(s config.Source) string {
	p := pl.Project
	if !p.Scoped() || s.ScopeColumn == "" || p.Scopes.Default != "" {
		return ""
	}
	return render.SQL(pl.names.r, idsql.ScopeUnmatched, idsql.ScopeUnmatchedData{Table: pl.SourceTable(s), Filter: s.Filter,
		Column: pl.Dialect.QuoteIdent(s.ScopeColumn), Scopes: p.ScopeNames()})
}
