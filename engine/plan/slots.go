package plan

import (
	"fmt"
	"strings"

	"github.com/idstitch/idstitch/dialects"
	"github.com/idstitch/idstitch/engine/config"
	"github.com/idstitch/idstitch/engine/render"
	idsql "github.com/idstitch/idstitch/sql"
)

// slots orders a source's id columns by type priority, then column order, so that a row's first
// identifier (the centre of its star of links) is its highest-priority one.
func (pl *Planner) slots(s config.Source) []idsql.Slot {
	var out []idsql.Slot
	for _, t := range pl.Project.IDTypes {
		for _, col := range s.IDs {
			if col.Type != t.Name {
				continue
			}
			for _, c := range col.Columns {
				n := len(out) + 1
				sl := idsql.Slot{N: n, Type: t.Name, Rank: pl.Project.TypeRank(t.Name), Expr: pl.column(c), Table: "src_" + s.Name, Source: s.Name,
					Normalized: pl.normalize(t, fmt.Sprintf("r%d", n)), Checks: pl.checks(t, fmt.Sprintf("v%d", n))}
				if t.MaxDegree != nil {
					sl.MaxDegree = *t.MaxDegree
				}
				sl.Value = pl.slotValue(t, n)
				out = append(out, sl)
			}
		}
	}
	var ns []string
	for _, sl := range out {
		ns = append(ns, fmt.Sprintf("n%d", sl.N))
	}
	first := "COALESCE(" + strings.Join(ns, ", ") + ")"
	if len(ns) == 1 {
		first = ns[0]
	}
	for i := range out {
		out[i].First = first
	}
	return out
}

// column renders a column name from the project file quoted, and a user's expression in
// parentheses.
func (pl *Planner) column(c string) string {
	if config.IsColumn(c) {
		return pl.Dialect.QuoteIdent(c)
	}
	return "(" + c + ")"
}

// ExtractQuery is the SELECT that extract runs for a source: its identifiers normalized and
// checked. Validation runs it with LIMIT 0 to find a broken user expression before a run.
func (pl *Planner) ExtractQuery(s config.Source) string {
	return pl.extract(s, "", extras{})
}

// extract renders the extraction of a source; window, when set, is a condition on its
// timestamp column (as window gives it) that limits the rows read.
func (pl *Planner) extract(s config.Source, window string, x extras) string {
	ts := ""
	if s.Timestamp != "" {
		ts = pl.Dialect.QuoteIdent(s.Timestamp)
	}
	return render.SQL(pl.names.r, idsql.Extract, idsql.ExtractData{Slots: pl.withBlocks(pl.slots(s), x.blocks), Traits: pl.traitInputs(s), TS: ts, Table: pl.SourceTable(s), Filter: s.Filter, Window: window,
		Scope: pl.scoping(&s), Forget: x.forget})
}

// traitInputs lists the values a source's rows carry for the traits computed from it, then for
// the attributes that read an expression of it. Each row carries t<N>, the value to aggregate or
// choose, and f<N>, 1 when the row counts for the trait (its filter holds, within its window).
func (pl *Planner) traitInputs(s config.Source) []idsql.TraitInput {
	var out []idsql.TraitInput
	for _, t := range pl.Project.Traits {
		if t.Source == s.Name {
			out = append(out, pl.traitInput(s, t, len(out)+1))
		}
	}
	return append(out, pl.attributeInputs(s, len(out))...)
}

func (pl *Planner) traitInput(s config.Source, t config.Trait, n int) idsql.TraitInput {
	d := pl.Dialect
	in := idsql.TraitInput{N: n, Name: t.Name, Value: d.Cast("NULL", dialects.Int64)}
	if t.Expr != "" {
		in.Value = "(" + t.Expr + ")"
		if config.IsColumn(t.Expr) {
			in.Value = d.QuoteIdent(t.Expr)
		}
	}
	var conds []string
	if t.Filter != "" {
		conds = append(conds, "("+t.Filter+")")
	}
	if t.WindowDays > 0 {
		conds = append(conds, d.Cast(d.QuoteIdent(s.Timestamp), dialects.Timestamp)+" >= "+d.DaysAgo(t.WindowDays))
	}
	in.Flag = "1"
	if len(conds) > 0 {
		in.Flag = "CASE WHEN " + strings.Join(conds, " AND ") + " THEN 1 ELSE 0 END"
	}
	v, f := fmt.Sprintf("t%d", in.N), fmt.Sprintf("f%d = 1", in.N)
	switch t.Agg {
	case "count":
		in.Agg, in.Zero = "COUNT(CASE WHEN "+f+" THEN 1 END)", true
	case "count_distinct":
		in.Agg, in.Zero = "COUNT(DISTINCT CASE WHEN "+f+" THEN "+v+" END)", true
	case "first", "latest":
		in.Agg = d.FirstBy(v, "ts", f, t.Agg == "latest")
	default:
		in.Agg = strings.ToUpper(t.Agg) + "(CASE WHEN " + f + " THEN " + v + " END)"
	}
	return in
}

// stitchedView is the query of a source's stitched view: every row of the source, with the
// universal id of its first identifier in id_graph, each value normalized as a run normalizes it.
func (pl *Planner) stitchedView(s config.Source, forget *idsql.Forget) string {
	var slots []idsql.ViewSlot
	for _, sl := range pl.slots(s) {
		expr := sl.Expr
		if config.IsColumn(strings.Trim(expr, "\"`")) && !strings.HasPrefix(expr, "(") {
			expr = "s." + expr // a plain column: qualified, as id_graph has columns too
		}
		raw := "NULLIF(" + pl.Dialect.Cast(expr, dialects.Text) + ", '')"
		t := pl.Project.IDTypes[sl.Rank]
		slots = append(slots, idsql.ViewSlot{N: sl.N, Type: sl.Type, Value: "NULLIF(" + pl.normalize(t, raw) + ", '')", Local: t.Scope == config.ScopeLocal})
	}
	scope := pl.scoping(&s)
	if scope != nil && scope.Column != "" {
		scope.Column = "s." + scope.Column
	}
	return render.SQL(pl.names.r, idsql.StitchedView, idsql.StitchedViewData{Table: pl.SourceTable(s), Slots: slots, Scope: scope, Forget: forget})
}

// nodeColumns lists the node id columns of a source's slots, with their values when asked (and
// then, with scopes, the row's scope and pool, which the values are qualified by).
func nodeColumns(slots []idsql.Slot, values bool) string {
	var cols []string
	if values && scopedSlots(slots) {
		cols = append(cols, "sc", "pl")
	}
	for _, sl := range slots {
		cols = append(cols, fmt.Sprintf("n%d", sl.N))
		if values {
			cols = append(cols, fmt.Sprintf("v%d", sl.N))
		}
	}
	return strings.Join(cols, ", ")
}

// checkColumns lists the check result columns of a source's slots.
func checkColumns(slots []idsql.Slot) string {
	var cols []string
	for _, sl := range slots {
		cols = append(cols, fmt.Sprintf("q%d", sl.N))
	}
	return strings.Join(cols, ", ")
}

// withTable returns the slots with their rows read from another work table.
func withTable(slots []idsql.Slot, table string) []idsql.Slot {
	out := make([]idsql.Slot, len(slots))
	for i, sl := range slots {
		sl.Table = table
		out[i] = sl
	}
	return out
}
