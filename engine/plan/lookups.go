package plan

import (
	"slices"
	"strings"

	"github.com/idstitch/idstitch/engine/config"
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

// maxNormalizeCalls bounds how many call queries NormalizeCallQuery memoizes.
const maxNormalizeCalls = 1024

// NormalizeCallQuery normalizes and checks, as NormalizeQuery does, one value of each of types,
// bound in that order, in one query: the rows (pos, value, reason) in the order of types. ok is
// false when a type is not the project's.
func (pl *Planner) NormalizeCallQuery(types []string) (query string, ok bool) {
	key := strings.Join(types, "\x00")
	if q, ok := pl.normalizeQueries.Load("call\x00" + key); ok {
		return q.(string), true
	}
	var items []idsql.NormalizeItem
	for i, name := range types {
		k := slices.IndexFunc(pl.Project.IDTypes, func(t config.IDType) bool { return t.Name == name })
		if k < 0 {
			return "", false
		}
		t := pl.Project.IDTypes[k]
		items = append(items, idsql.NormalizeItem{Param: i + 1, Normalized: pl.normalize(t, "r"), Checks: pl.checks(t, "v")})
	}
	q := render.SQL(pl.names.r, idsql.NormalizeCall, idsql.NormalizeCallData{Items: items})
	// Clients choose the types of a call and their order, so the memo is bounded: past it, a
	// query is rendered for each call.
	if pl.normalizeCalls.Add(1) <= maxNormalizeCalls {
		pl.normalizeQueries.Store("call\x00"+key, q)
	}
	return q, true
}
