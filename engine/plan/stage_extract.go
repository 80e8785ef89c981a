package plan

import (
	idsql "github.com/idstitch/idstitch/sql"
)

// extractAll reads every source whole, straight into the state that incremental runs build on:
// a copy made later would cost a second write of every row. (Sorting it by time would let a
// later run find its window by zone maps, but costs more than it saves.)
func (b *build) extractAll() {
	st := Stage{Kind: KindExtract, Name: "extract", Note: "per source: each row's identifiers, normalized and checked, with their node ids"}
	for _, s := range b.sources() {
		st.Statements = append(st.Statements, Statement{Note: "source " + s.Name + " (" + s.Table + "), kept as the rows read so far",
			SQL: b.durable(b.workTable("src_"+s.Name), b.hashedExtract(s, nil, b.extras()))})
		b.plan.SourceRows[s.Name] = b.count("src_" + s.Name)
		if s.Timestamp != "" {
			b.plan.read[s.Name] = b.workTable("src_" + s.Name)
		}
	}
	b.add(st)
}

// extractWindow reads each source from its watermark less the lookback, and compares what it
// read with the stored rows: ins_<source> holds the rows that are new or changed, gone_<source>
// the stored rows they replace and del_<source> their identifiers.
func (b *build) extractWindow() {
	st := Stage{Kind: KindExtract, Name: "extract", Note: "per source: the rows from the watermark less the lookback, and which of them are new or changed"}
	for _, s := range b.sources() {
		w := b.window(s, b.prior)
		if b.prior.Rules.Checks {
			// Every stored row was checked again: all of them are compared.
			w = ""
		}
		b.windows[s.Name] = w
		stored := b.state(stateRows + s.Name)
		sw := orAll(w)
		slots := b.bySource[s.Name]
		st.Statements = append(st.Statements,
			Statement{Note: "source " + s.Name + " (" + s.Table + "): the rows read again", SQL: b.Dialect.CreateTableAs(b.workTable("win_"+s.Name), b.hashedExtract(s, b.prior, b.extras()), true)},
			create(b, "changed_"+s.Name, idsql.IncChanged, idsql.IncChangedData{New: "win_" + s.Name, Stored: stored, Window: sw}, "rows whose count differs from the stored ones"),
			create(b, "ins_"+s.Name, idsql.IncIns, idsql.IncInsData{Window: "win_" + s.Name, Changed: "changed_" + s.Name}, ""),
			// Usually none: rows are added, seldom changed. Keeping this set apart keeps the
			// tests against the stored rows cheap.
			create(b, "gone_"+s.Name, idsql.IncGone, idsql.IncGoneData{Changed: "changed_" + s.Name}, "the stored rows that this run replaces"),
		)
		if fg := b.forgetRows(s.Name, slots); fg != nil {
			st.Statements = append(st.Statements, fg...)
			sw = orAll(b.windows[s.Name])
		}
		st.Statements = append(st.Statements,
			create(b, "del_"+s.Name, idsql.IncDel, idsql.IncDelData{Columns: nodeColumns(slots, true) + ", " + checkColumns(slots), Stored: stored, Window: sw, Gone: "gone_" + s.Name}, "their identifiers"),
		)
		b.plan.SourceRows[s.Name] = b.count("win_" + s.Name)
		if s.Timestamp != "" {
			b.plan.read[s.Name] = b.workTable("win_" + s.Name)
		}
	}
	b.add(st)
}

// orAll is a window condition, "" meaning every row.
func orAll(window string) string {
	if window == "" {
		return "1 = 1"
	}
	return window
}
