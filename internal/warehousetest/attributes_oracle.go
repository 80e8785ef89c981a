package warehousetest

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/idstitch/idstitch/engine/unionfind"
)

// attrCandidate is one value an attribute may take for a profile: from one row (and column) of
// a source, with the row's timestamp (nil when the source declares none) and the source's rank.
type attrCandidate struct {
	value, source string
	ts            *time.Time
	rank          int
}

func (c attrCandidate) String() string {
	ts := "no ts"
	if c.ts != nil {
		ts = c.ts.Format(time.DateTime)
	}
	return fmt.Sprintf("%q from %s (rank %d) at %s", c.value, c.source, c.rank, ts)
}

// text is a column's value as the run reads it: NULL and empty text are no value.
func text(v any) (string, bool) {
	s, ok := v.(string)
	return s, ok && s != ""
}

// rowOwner is the universal id of a row: that of its first identifier, in id type order then
// column order, that id_graph holds.
func rowOwner(s attrSource, r attrRow, graph map[unionfind.ID]string) (string, bool) {
	for _, ty := range []string{"user_id", "email"} {
		for _, c := range s.ids {
			if c[1] != ty {
				continue
			}
			if v, ok := text(r.cols[c[0]]); ok {
				if uid, ok := graph[unionfind.ID{Type: ty, Value: v}]; ok {
					return uid, true
				}
			}
		}
	}
	return "", false
}

// attrCandidates lists, per universal id, the candidates of an attribute: the values of its
// column on the rows each profile owns, or every identifier of its type on a row, for the
// profile that id_graph gives the identifier.
func attrCandidates(a attrSpec, rows map[string][]attrRow, graph map[unionfind.ID]string) map[string][]attrCandidate {
	out := map[string][]attrCandidate{}
	for rank, name := range a.sources {
		s := attrSources[slices.IndexFunc(attrSources, func(s attrSource) bool { return s.name == name })]
		for _, r := range rows[name] {
			c := attrCandidate{source: name, rank: rank + 1}
			if s.ts {
				c.ts = &r.ts
			}
			if a.idType != "" {
				for _, col := range s.ids {
					v, ok := text(r.cols[col[0]])
					if col[1] != a.idType || !ok {
						continue
					}
					if uid, ok := graph[unionfind.ID{Type: a.idType, Value: v}]; ok {
						c.value = v
						out[uid] = append(out[uid], c)
					}
				}
				continue
			}
			v, ok := text(r.cols[a.column])
			uid, owned := rowOwner(s, r, graph)
			if !ok || !owned {
				continue
			}
			if a.upper {
				v = strings.ToUpper(v)
			}
			c.value = v
			out[uid] = append(out[uid], c)
		}
	}
	return out
}

// later compares two timestamps, a missing one after every other: -1 when a is later.
func later(a, b *time.Time) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return 1
	case b == nil:
		return -1
	}
	return -a.Compare(*b)
}

// earlier is later's counterpart for first_seen: -1 when a is earlier, a missing one last.
func earlier(a, b *time.Time) int {
	if a == nil || b == nil {
		return later(a, b)
	}
	return a.Compare(*b)
}

// survivor applies the rule of a: the candidate that sorts first. Values compare by their bytes.
func survivor(rule string, cs []attrCandidate) attrCandidate {
	count, last := map[string]int{}, map[string]*time.Time{}
	for _, c := range cs {
		count[c.value]++
		if later(c.ts, last[c.value]) < 0 || count[c.value] == 1 {
			last[c.value] = c.ts
		}
	}
	order := func(x, y attrCandidate) int {
		switch rule {
		case "most_recent":
			return cmpChain(later(x.ts, y.ts), x.rank-y.rank, strings.Compare(x.value, y.value))
		case "first_seen":
			return cmpChain(earlier(x.ts, y.ts), x.rank-y.rank, strings.Compare(x.value, y.value))
		case "source_priority":
			return cmpChain(x.rank-y.rank, later(x.ts, y.ts), strings.Compare(x.value, y.value))
		case "most_frequent":
			// The value on most rows, then seen last, then by its bytes; its source is that of
			// its latest row, then the highest ranked.
			return cmpChain(count[y.value]-count[x.value], later(last[x.value], last[y.value]), strings.Compare(x.value, y.value), later(x.ts, y.ts), x.rank-y.rank)
		}
		panic("no rule " + rule)
	}
	return slices.MinFunc(cs, order)
}

func cmpChain(cs ...int) int {
	for _, c := range cs {
		if c != 0 {
			return c
		}
	}
	return 0
}

// attrOracle computes every attribute column of every profile of id_graph ("NULL" for none).
func attrOracle(rows map[string][]attrRow, graph map[unionfind.ID]string) map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, uid := range graph {
		if out[uid] == nil {
			out[uid] = map[string]string{}
			for _, c := range attrColumns() {
				out[uid][c] = "NULL"
			}
		}
	}
	for _, a := range attrSpecs {
		for uid, cs := range attrCandidates(a, rows, graph) {
			w := survivor(a.rule, cs)
			out[uid][a.name] = w.value
			if a.withSource {
				out[uid][a.name+"_source"] = w.source
			}
		}
	}
	return out
}

// attrCandidatesOf describes the candidates of one column of one profile, for a failure message.
func attrCandidatesOf(rows map[string][]attrRow, graph map[unionfind.ID]string, uid, col string) string {
	name := strings.TrimSuffix(col, "_source")
	for _, a := range attrSpecs {
		if a.name == name {
			var out []string
			for _, c := range attrCandidates(a, rows, graph)[uid] {
				out = append(out, c.String())
			}
			return a.rule + ":\n  " + strings.Join(out, "\n  ")
		}
	}
	return ""
}
