package plan

import (
	"fmt"
	"slices"

	"github.com/idstitch/idstitch/dialects"
	"github.com/idstitch/idstitch/engine/config"
	idsql "github.com/idstitch/idstitch/sql"
)

// attributesStage chooses each attribute's value per profile among its candidates: the values of
// its expression on the rows each profile owns (the rows of the traits stage), or the profile's
// identifiers of its id type on every row and column that holds one.
func (b *build) attributesStage() {
	st := Stage{Kind: KindTraits, Name: "attributes", Note: "profile columns chosen among the rows' values by survivorship rules"}
	for i, a := range b.Project.Attributes {
		table, alias := "attr_"+a.Name, fmt.Sprintf("a%d", i+1)
		data := idsql.AttributeData{Name: a.Name, Source: a.SourceColumn(), Rule: a.Rule, Parts: b.attributeParts(a)}
		st.Statements = append(st.Statements, create(b, table, idsql.Attribute, data, "attribute "+a.Name+", "+a.Rule))
		b.joins = append(b.joins, idsql.TraitJoin{Table: table, Alias: alias})
		for _, col := range a.Columns() {
			b.traits = append(b.traits, idsql.TraitColumn{TraitInput: idsql.TraitInput{Name: col}, Table: alias})
		}
	}
	if len(st.Statements) > 0 {
		b.add(st)
	}
}

// attributeParts lists the candidates of an attribute, one part per source (per slot of its id
// type), ranked by the attribute's source priority.
func (b *build) attributeParts(a config.Attribute) []idsql.AttributePart {
	var out []idsql.AttributePart
	for rank, name := range b.Project.AttributeSources(a) {
		s := b.source(name)
		if a.IDType != "" {
			for _, sl := range b.bySource[name] {
				if sl.Type == a.IDType {
					out = append(out, idsql.AttributePart{Table: "src_" + name, Source: name, N: sl.N, Rank: rank + 1, Slot: true})
				}
			}
			continue
		}
		for _, in := range b.traitInputs(s) {
			if in.Name == a.Name && in.Agg == "" {
				out = append(out, idsql.AttributePart{Table: "trait_rows_" + name, Source: name, N: in.N, Rank: rank + 1})
			}
		}
	}
	return out
}

// source is the project's source of that name.
func (b *build) source(name string) config.Source {
	i := slices.IndexFunc(b.Project.Sources, func(s config.Source) bool { return s.Name == name })
	return b.Project.Sources[i]
}

// attributeInputs lists the values that the rows of a source carry for the attributes that read
// an expression of it, numbered after the n inputs before them: the expression as text, empty
// text as NULL; they are not aggregated.
func (pl *Planner) attributeInputs(s config.Source, n int) []idsql.TraitInput {
	var out []idsql.TraitInput
	for _, a := range pl.Project.Attributes {
		if a.Expr == "" || !slices.Contains(pl.Project.AttributeSources(a), s.Name) {
			continue
		}
		v := pl.column(a.Expr)
		out = append(out, idsql.TraitInput{N: n + len(out) + 1, Name: a.Name, Value: "NULLIF(" + pl.Dialect.Cast(v, dialects.Text) + ", '')", Flag: "1"})
	}
	return out
}

// aggregated keeps the inputs of traits: those with an aggregate.
func aggregated(ins []idsql.TraitInput) []idsql.TraitInput {
	var out []idsql.TraitInput
	for _, in := range ins {
		if in.Agg != "" {
			out = append(out, in)
		}
	}
	return out
}
