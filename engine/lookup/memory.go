package lookup

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/engine/plan"
	"github.com/idstitch/idstitch/engine/render"
	idsql "github.com/idstitch/idstitch/sql"
)

// Memory is a copy of the published lookup data in this process: every identifier with its
// profile, every profile row, and the quarantine. A server answers lookups from it without a
// query per lookup, which on DuckDB costs a column segment decompressed per row fetched and on
// Snowflake or BigQuery far more. It is built from one published run and replaced whole when a
// later run publishes, so a lookup sees one run's tables, never a mix.
type Memory struct {
	// RunID is the run whose tables this copies.
	RunID    int64
	columns  []string
	types    []string
	byKey    map[string]int32 // type index byte + value → index in ids
	ids      []memID
	byUID    map[string]int32 // universal id → index in profiles
	profiles []memProfile
	quar     map[string]memQuarantine
}

type memID struct {
	typ         uint16
	value       string
	first, last int64 // Unix microseconds; noTime when NULL
	profile     int32
}

type memProfile struct {
	uid    string
	values []any
	// ids[first:first+count] are the profile's identifiers, sorted by type, then value.
	first, count int32
}

type memQuarantine struct {
	reason   string
	evidence int64
}

const noTime = int64(-1 << 63)

// LastRun is the query giving the id of the last run that published, which a Memory copies.
func LastRun(pl *plan.Planner) string {
	return render.SQL(pl.Renderer(), idsql.LastRun, idsql.LastRunData{})
}

// LoadMemory copies the published tables. A run that publishes while it reads would give a mix
// of two runs: the last published run is read before and after, and the copy starts again when
// it differs.
func LoadMemory(ctx context.Context, conn connectors.Conn, pl *plan.Planner) (*Memory, error) {
	for attempt := 0; ; attempt++ {
		var before, after int64
		if err := scanOne(ctx, conn, LastRun(pl), nil, &before); err != nil {
			return nil, err
		}
		m, err := loadMemory(ctx, conn, pl)
		if err != nil {
			return nil, err
		}
		if err := scanOne(ctx, conn, LastRun(pl), nil, &after); err != nil {
			return nil, err
		}
		if before == after {
			m.RunID = after
			return m, nil
		}
		if attempt == 3 {
			return nil, fmt.Errorf("runs kept publishing while the lookup data was being copied (runs %d to %d)", before, after)
		}
	}
}

func loadMemory(ctx context.Context, conn connectors.Conn, pl *plan.Planner) (*Memory, error) {
	m := &Memory{byUID: map[string]int32{}, byKey: map[string]int32{}, quar: map[string]memQuarantine{}}
	typeIndex := map[string]uint16{}
	for i, t := range pl.Project.IDTypes {
		m.types = append(m.types, t.Name)
		typeIndex[t.Name] = uint16(i)
	}
	r := pl.Renderer()
	rows, err := conn.Query(ctx, render.SQL(r, idsql.MemoryProfiles, idsql.MemoryProfilesData{}))
	if err != nil {
		return nil, published(err)
	}
	cols, err := columnNames(rows, pl.Dialect)
	if err != nil {
		rows.Close()
		return nil, err
	}
	uidCol := slices.Index(cols, "universal_id")
	if uidCol < 0 {
		rows.Close()
		return nil, fmt.Errorf("the published profiles have no universal_id column (columns: %v)", cols)
	}
	for _, c := range cols {
		if c != "universal_id" {
			m.columns = append(m.columns, c)
		}
	}
	for rows.Next() {
		vals, err := scanAll(rows, len(cols))
		if err != nil {
			rows.Close()
			return nil, err
		}
		uid, _ := vals[uidCol].(string)
		m.byUID[uid] = int32(len(m.profiles))
		m.profiles = append(m.profiles, memProfile{uid: uid, values: slices.Delete(vals, uidCol, uidCol+1), first: -1})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}

	// Grouped by profile, then in the order a lookup lists them (type, then value, byte by
	// byte as Go compares strings), so that a lookup needs no sorting.
	rows, err = conn.Query(ctx, render.SQL(r, idsql.MemoryIdentifiers, idsql.MemoryIdentifiersData{}))
	if err != nil {
		return nil, published(err)
	}
	for rows.Next() {
		var uid, typ, value string
		var first, last *time.Time
		if err := rows.Scan(&uid, &typ, &value, &first, &last); err != nil {
			rows.Close()
			return nil, err
		}
		p, ok := m.byUID[uid]
		if !ok {
			continue // a profile row is missing: the SQL lookup would fail the same way
		}
		key := string(rune(typeIndex[typ])) + value
		id := memID{typ: typeIndex[typ], value: key[len(key)-len(value):], first: micros(first), last: micros(last), profile: p}
		if m.profiles[p].first < 0 {
			m.profiles[p].first = int32(len(m.ids))
		}
		m.profiles[p].count++
		m.byKey[key] = int32(len(m.ids))
		m.ids = append(m.ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}

	rows, err = conn.Query(ctx, render.SQL(r, idsql.MemoryQuarantine, idsql.MemoryQuarantineData{}))
	if err != nil {
		return nil, published(err)
	}
	defer rows.Close()
	for rows.Next() {
		var typ, value, reason string
		var evidence int64
		if err := rows.Scan(&typ, &value, &reason, &evidence); err != nil {
			return nil, err
		}
		if t, ok := typeIndex[typ]; ok {
			m.quar[string(rune(t))+value] = memQuarantine{reason: reason, evidence: evidence}
		}
	}
	return m, rows.Err()
}

func micros(t *time.Time) int64 {
	if t == nil {
		return noTime
	}
	return t.UnixMicro()
}

func fromMicros(v int64) *time.Time {
	if v == noTime {
		return nil
	}
	t := time.UnixMicro(v).UTC()
	return &t
}

// Identifiers is how many identifiers the copy holds.
func (m *Memory) Identifiers() int { return len(m.ids) }

// find returns the profile of a normalized identifier, with one page of its identifiers, or why
// there is none.
func (m *Memory) find(idType, normalized, what string, page Page) (*Profile, error) {
	t := slices.Index(m.types, idType)
	if t < 0 {
		return nil, &NotFound{What: what}
	}
	key := string(rune(t)) + normalized
	if i, ok := m.byKey[key]; ok {
		return m.profile(m.ids[i].profile, page), nil
	}
	if q, ok := m.quar[key]; ok {
		return nil, &NotFound{What: what, Reason: q.reason, Evidence: q.evidence}
	}
	return nil, &NotFound{What: what}
}

// quarantine is the published quarantine entry of a normalized identifier.
func (m *Memory) quarantine(idType, normalized string) (memQuarantine, bool) {
	t := slices.Index(m.types, idType)
	if t < 0 {
		return memQuarantine{}, false
	}
	q, ok := m.quar[string(rune(t))+normalized]
	return q, ok
}

// Profile returns a profile by universal id, with one page of its identifiers.
func (m *Memory) Profile(uid string, page Page) (*Profile, error) {
	if err := page.check(); err != nil {
		return nil, err
	}
	i, ok := m.byUID[uid]
	if !ok {
		return nil, &NotFound{What: "universal id " + uid}
	}
	return m.profile(i, page), nil
}

// profile gives the page of a profile's identifiers as the SQL lookup does: the copy holds them
// in the same (type, value) order, so the page after a cursor starts at the first one greater
// than it, found by binary search.
func (m *Memory) profile(i int32, page Page) *Profile {
	mp := &m.profiles[i]
	p := &Profile{UniversalID: mp.uid, Identifiers: []Identifier{}, IdentifiersTotal: int64(mp.count), Columns: make(map[string]any, len(m.columns))}
	for j, c := range m.columns {
		p.Columns[c] = mp.values[j]
	}
	if mp.count == 0 {
		return p
	}
	ids := m.ids[mp.first : mp.first+mp.count]
	start := 0
	if t, v, ok := decodeCursor(page.After); ok {
		start, _ = slices.BinarySearchFunc(ids, struct{ t, v string }{t, v}, func(id memID, after struct{ t, v string }) int {
			if c := strings.Compare(m.types[id.typ], after.t); c != 0 {
				return c
			}
			// An identifier equal to the cursor sorts before it, so that the search lands after it.
			if id.value <= after.v {
				return -1
			}
			return 1
		})
	}
	end := min(start+page.limit(), len(ids))
	for _, id := range ids[start:end] {
		p.Identifiers = append(p.Identifiers, Identifier{Type: m.types[id.typ], Value: id.value, FirstSeenAt: fromMicros(id.first), LastSeenAt: fromMicros(id.last)})
	}
	if end < len(ids) {
		last := ids[end-1]
		next := cursor(m.types[last.typ], last.value)
		p.Next = &next
	}
	return p
}
