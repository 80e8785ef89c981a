package plan

import (
	"github.com/idstitch/idstitch/engine/render"
	idsql "github.com/idstitch/idstitch/sql"
)

// NormalizeQuery returns a query that normalizes and checks one value of an id type, given as
// bind parameter 1, the way a run does: it returns the normalized value (NULL when empty) and
// the reason it would be quarantined (NULL when it would not). ok is false for an unknown type.
func (pl *Planner) NormalizeQuery(idType string) (query string, ok bool) {
	if q, ok := pl.normalizeQueries.Load(idType); ok {
		return q.(string), true
	}
	for _, t := range pl.Project.IDTypes {
		if t.Name == idType {
			q := render.SQL(pl.names.r, idsql.NormalizeValue, idsql.NormalizeValueData{Normalized: pl.normalize(t, "r"), Checks: pl.checks(t, "v")})
			pl.normalizeQueries.Store(idType, q)
			return q, true
		}
	}
	return "", false
}
