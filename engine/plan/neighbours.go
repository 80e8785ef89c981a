package plan

import (
	"github.com/idstitch/idstitch/engine/render"
	idsql "github.com/idstitch/idstitch/sql"
)

// NeighbourQueries returns, per source with more than one identifier column, the query that
// finds the quarantined identifiers sharing a stored row with an identifier of one profile
// (explain_neighbours; the universal id is bind parameter 1), reading at most rows of them. The
// rows are those the last run left in the state schema, as extraction stored them: a slot's
// node id is NULL for an invalid or blocked value, and a hub's is one no profile holds, so only
// the value says which identifier was quarantined.
func (pl *Planner) NeighbourQueries(rows int) []string {
	var out []string
	for _, s := range pl.Project.Sources {
		slots := pl.slots(s)
		var pairs []idsql.NeighbourPair
		for _, a := range slots {
			for _, b := range slots {
				if a.N != b.N {
					pairs = append(pairs, idsql.NeighbourPair{I: a.N, J: b.N, Type: b.Type, Local: pl.Project.Local(b.Type)})
				}
			}
		}
		if len(pairs) == 0 {
			continue
		}
		out = append(out, render.SQL(pl.names.r, idsql.ExplainNeighbours, idsql.ExplainNeighboursData{
			Stored: pl.names.state(stateRows + s.Name), Pairs: pairs, Rows: rows, Scoped: pl.Project.Scoped()}))
	}
	return out
}
