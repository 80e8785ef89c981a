package plan

import (
	"slices"

	idsql "github.com/idstitch/idstitch/sql"
)

// edges links the identifiers of each row as a star from its first identifier.
func (b *build) edges() {
	sources := b.linkSources()
	if b.overrides() {
		// A source may itself be named override: it is listed once.
		sources = slices.Compact(slices.Sorted(slices.Values(append(sources, "override"))))
	}
	b.add(Stage{Kind: KindEdges, Name: "edges", Note: "identifiers on one row are linked as a star from the row's first identifier", Statements: append(b.overrideEdges(),
		create(b, "edges", idsql.Edges, idsql.EdgesData{Links: b.links("src_"), Overrides: b.overrides(), Sources: sources}, ""),
	)})
}

// links are the slots a row links from its first identifier, over each source's work table
// rows+<source> (the rows without their hubs, kept_<source>, when a hub guard exists).
func (b *build) links(rows string) []idsql.Slot {
	var out []idsql.Slot
	for _, s := range b.sources() {
		// The first slot is never linked *to*: when it holds a value, it is the row's first.
		for _, sl := range b.bySource[s.Name][1:] {
			sl.Table = rows + s.Name
			if b.hubs() {
				sl.Table = "kept_" + s.Name
			}
			out = append(out, sl)
		}
	}
	return out
}

// linkSources are the sources a link can name, sorted bytewise: those with two id columns or more.
func (b *build) linkSources() []string {
	var out []string
	for _, s := range b.sources() {
		if len(b.bySource[s.Name]) > 1 {
			out = append(out, s.Name)
		}
	}
	return slices.Sorted(slices.Values(out))
}
