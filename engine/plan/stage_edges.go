package plan

import (
	"slices"

	idsql "github.com/idstitch/idstitch/sql"
)

// edges links the identifiers of each row as a star from its first identifier.
func (b *build) edges() {
	var links []idsql.Slot
	var sources []string
	if b.overrides() {
		sources = append(sources, "override")
	}
	for _, s := range b.sources() {
		if len(b.bySource[s.Name]) > 1 {
			sources = append(sources, s.Name)
		}
		// The first slot is never linked *to*: when it holds a value, it is the row's first.
		for _, sl := range b.bySource[s.Name][1:] {
			if b.hubs() {
				sl.Table = "kept_" + s.Name
			}
			links = append(links, sl)
		}
	}
	b.add(Stage{Kind: KindEdges, Name: "edges", Note: "identifiers on one row are linked as a star from the row's first identifier", Statements: append(b.overrideEdges(),
		create(b, "edges", idsql.Edges, idsql.EdgesData{Links: links, Overrides: b.overrides(), Sources: slices.Compact(slices.Sorted(slices.Values(sources)))}, ""),
	)})
}
