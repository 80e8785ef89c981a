package lookup

import (
	"reflect"
	"slices"
)

// Member is one identifier of a published profile, with what a run's anchor rule weighs: its id
// type's rank (its place among the project's id types) and when it was first seen.
type Member struct {
	Type  string
	Rank  int
	Value string
	// First is when it was first seen, in Unix microseconds; NoTime when unknown.
	First int64
}

// NoTime is Member.First of an identifier whose rows had no time.
const NoTime = noTime

// ProfileOf is the universal id of the profile holding a normalized identifier.
func (m *Memory) ProfileOf(idType, normalized string) (string, bool) {
	t := slices.Index(m.types, idType)
	if t < 0 {
		return "", false
	}
	i, ok := m.byKey[string(rune(t))+normalized]
	if !ok {
		return "", false
	}
	return m.profiles[m.ids[i].profile].uid, true
}

// QuarantineReason is why the published quarantine holds a normalized identifier.
func (m *Memory) QuarantineReason(idType, normalized string) (string, bool) {
	q, ok := m.quarantine(idType, normalized)
	return q.reason, ok
}

// Members lists the identifiers of the profile uid; nil when there is none.
func (m *Memory) Members(uid string) []Member {
	i, ok := m.byUID[uid]
	if !ok {
		return nil
	}
	mp := m.profiles[i]
	if mp.count == 0 {
		return nil
	}
	out := make([]Member, 0, mp.count)
	for _, id := range m.ids[mp.first : mp.first+mp.count] {
		out = append(out, Member{Type: m.types[id.typ], Rank: int(id.typ), Value: id.value, First: id.first})
	}
	return out
}

// Row is a profile's published row, column by column.
func (m *Memory) Row(uid string) map[string]any {
	i, ok := m.byUID[uid]
	if !ok {
		return nil
	}
	row := make(map[string]any, len(m.columns)+1)
	row["universal_id"] = uid
	for j, c := range m.columns {
		row[c] = m.profiles[i].values[j]
	}
	return row
}

// Changed compares the copy with an earlier one: the rows of the profiles that are new or whose
// row differs, and the universal ids that are gone. prev may be nil (every profile is new).
func (m *Memory) Changed(prev *Memory) (changed []map[string]any, removed []string) {
	sameColumns := prev != nil && slices.Equal(prev.columns, m.columns)
	for _, p := range m.profiles {
		if sameColumns {
			if j, ok := prev.byUID[p.uid]; ok && reflect.DeepEqual(prev.profiles[j].values, p.values) {
				continue
			}
		}
		changed = append(changed, m.Row(p.uid))
	}
	if prev != nil {
		for _, p := range prev.profiles {
			if _, ok := m.byUID[p.uid]; !ok {
				removed = append(removed, p.uid)
			}
		}
	}
	return changed, removed
}
