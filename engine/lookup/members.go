package lookup

import (
	"bytes"
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
	i, ok := m.index(uint16(t), normalized)
	if !ok {
		return "", false
	}
	return m.uid(&m.profiles[m.ids[i].profile]), true
}

// QuarantineReason is why the published quarantine holds a normalized identifier.
func (m *Memory) QuarantineReason(idType, normalized string) (string, bool) {
	q, ok := m.quarantine(idType, normalized)
	return q.reason, ok
}

// Members lists the identifiers of the profile uid; nil when there is none.
func (m *Memory) Members(uid string) []Member {
	i, ok := m.profileIndex(uid)
	if !ok {
		return nil
	}
	mp := m.profiles[i]
	if mp.count == 0 {
		return nil
	}
	out := make([]Member, 0, mp.count)
	for k := mp.first; k < mp.first+mp.count; k++ {
		id := &m.ids[k]
		out = append(out, Member{Type: m.types[id.typ], Rank: int(id.typ), Value: string(m.value(id)), First: id.first})
	}
	return out
}

// Row is a profile's published row, column by column.
func (m *Memory) Row(uid string) map[string]any {
	i, ok := m.profileIndex(uid)
	if !ok {
		return nil
	}
	row := make(map[string]any, len(m.columns)+1)
	row["universal_id"] = uid
	for j, v := range m.values(&m.profiles[i]) {
		row[m.columns[j]] = v
	}
	return row
}

// Changed compares the copy with an earlier one: the rows of the profiles that are new or whose
// row differs, and the universal ids that are gone. prev may be nil (every profile is new).
func (m *Memory) Changed(prev *Memory) (changed []map[string]any, removed []string) {
	sameColumns := prev != nil && slices.Equal(prev.columns, m.columns)
	for k := range m.profiles {
		p := &m.profiles[k]
		uid := m.uid(p)
		if sameColumns {
			if j, ok := prev.profileIndex(uid); ok {
				q := &prev.profiles[j]
				if bytes.Equal(prev.rows[q.rowOff:q.rowOff+uint64(q.rowLen)], m.rows[p.rowOff:p.rowOff+uint64(p.rowLen)]) {
					continue
				}
			}
		}
		changed = append(changed, m.Row(uid))
	}
	if prev != nil {
		for k := range prev.profiles {
			if uid := prev.uid(&prev.profiles[k]); !m.has(uid) {
				removed = append(removed, uid)
			}
		}
	}
	return changed, removed
}

func (m *Memory) has(uid string) bool {
	_, ok := m.profileIndex(uid)
	return ok
}
