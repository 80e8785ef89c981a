package plan

import (
	"fmt"

	idsql "github.com/idstitch/idstitch/sql"
)

// traitsStage computes the traits: each row of a source belongs to the profile of its first
// identifier in the graph, and each source's traits are aggregated per profile.
func (b *build) traitsStage() {
	st := Stage{Kind: KindTraits, Name: "traits", Note: "profile columns computed from the sources' rows"}
	for i, s := range b.sources() {
		ins := b.traitInputs(s)
		if len(ins) == 0 {
			continue
		}
		rows, aggs := "trait_rows_"+s.Name, "traits_"+s.Name
		st.Statements = append(st.Statements,
			create(b, rows, idsql.TraitRows, idsql.TraitRowsData{Src: "src_" + s.Name, Slots: b.bySource[s.Name], Traits: ins}, "rows of "+s.Name+" with their profile"))
		// The attributes' values (no aggregate) are chosen by the attributes stage.
		ins = aggregated(ins)
		if len(ins) == 0 {
			continue
		}
		st.Statements = append(st.Statements, create(b, aggs, idsql.TraitAggs, idsql.TraitAggsData{Rows: rows, Traits: ins}, ""))
		alias := fmt.Sprintf("t%d", i+1)
		b.joins = append(b.joins, idsql.TraitJoin{Table: aggs, Alias: alias})
		for _, in := range ins {
			b.traits = append(b.traits, idsql.TraitColumn{TraitInput: in, Table: alias})
		}
	}
	if len(st.Statements) > 0 {
		b.add(st)
	}
}
