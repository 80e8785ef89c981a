package lookup

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"hash/maphash"
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
//
// The copy holds no pointers where it is big: values and universal ids sit end to end in one
// byte arena, the indexes map 64-bit hashes to positions, and each profile's columns are kept
// encoded as JSON. The garbage collector then has next to nothing to scan in it: with millions
// of identifiers as Go strings and maps of strings, each collection marked gigabytes for seconds
// and held up the requests that allocate meanwhile.
type Memory struct {
	// RunID is the run whose tables this copies.
	RunID   int64
	columns []string
	types   []string
	seed    maphash.Seed
	arena   []byte           // every identifier value and universal id, end to end
	ids     []memID          // grouped by profile, then in the order a lookup lists them
	byKey   map[uint64]int32 // hash of type and value → index in ids
	// keyClash holds the identifiers whose hash another identifier has (type index byte + value).
	keyClash map[string]int32
	profiles []memProfile
	byUID    map[uint64]int32 // hash of universal id → index in profiles
	uidClash map[string]int32
	rows     []byte // each profile's columns, a JSON array in the order of columns, end to end
	quar     map[string]memQuarantine
}

type memID struct {
	off         uint64 // value: arena[off:off+n]
	n           uint32
	typ         uint16
	first, last int64 // Unix microseconds; noTime when NULL
	profile     int32
}

type memProfile struct {
	uidOff uint64
	uidLen uint32
	rowOff uint64
	rowLen uint32
	first  int32 // ids[first:first+count] are the profile's identifiers, sorted by type, then value
	count  int32
}

type memQuarantine struct {
	reason   string
	evidence int64
}

const noTime = int64(-1 << 63)

// hashMask keeps the bits of the index hashes used; a test sets it to 0 to make every key collide.
var hashMask = ^uint64(0)

func (m *Memory) value(id *memID) []byte { return m.arena[id.off : id.off+uint64(id.n)] }

func (m *Memory) uid(p *memProfile) string {
	return string(m.arena[p.uidOff : p.uidOff+uint64(p.uidLen)])
}

func (m *Memory) keyHash(typ uint16, value string) uint64 {
	var h maphash.Hash
	h.SetSeed(m.seed)
	h.WriteByte(byte(typ))
	h.WriteByte(byte(typ >> 8))
	h.WriteString(value)
	return h.Sum64() & hashMask
}

// index is the position in ids of an identifier, by type index and normalized value.
func (m *Memory) index(typ uint16, value string) (int32, bool) {
	if i, ok := m.byKey[m.keyHash(typ, value)]; ok && m.ids[i].typ == typ && string(m.value(&m.ids[i])) == value {
		return i, true
	}
	if m.keyClash == nil {
		return 0, false // nearly always: no need to build the clash key
	}
	i, ok := m.keyClash[string(rune(typ))+value]
	return i, ok
}

// profileIndex is the position in profiles of a universal id.
func (m *Memory) profileIndex(uid string) (int32, bool) {
	if i, ok := m.byUID[m.uidHash(uid)]; ok && m.uid(&m.profiles[i]) == uid {
		return i, true
	}
	i, ok := m.uidClash[uid]
	return i, ok
}

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
	m := &Memory{seed: maphash.MakeSeed(), byUID: map[uint64]int32{}, byKey: map[uint64]int32{}, quar: map[string]memQuarantine{}}
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
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for rows.Next() {
		vals, err := scanAll(rows, len(cols))
		if err != nil {
			rows.Close()
			return nil, err
		}
		uid, _ := vals[uidCol].(string)
		buf.Reset()
		if err := enc.Encode(slices.Delete(vals, uidCol, uidCol+1)); err != nil {
			rows.Close()
			return nil, fmt.Errorf("the profile %s: %w", uid, err)
		}
		row := bytes.TrimRight(buf.Bytes(), "\n")
		p := memProfile{uidOff: uint64(len(m.arena)), uidLen: uint32(len(uid)), rowOff: uint64(len(m.rows)), rowLen: uint32(len(row)), first: -1}
		m.arena = append(m.arena, uid...)
		m.rows = append(m.rows, row...)
		i := int32(len(m.profiles))
		m.profiles = append(m.profiles, p)
		h := m.uidHash(uid)
		if j, dup := m.byUID[h]; dup && m.uid(&m.profiles[j]) != uid {
			if m.uidClash == nil {
				m.uidClash = map[string]int32{}
			}
			m.uidClash[uid] = i
		} else {
			m.byUID[h] = i
		}
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
		p, ok := m.profileIndex(uid)
		if !ok {
			continue // a profile row is missing: the SQL lookup would fail the same way
		}
		t := typeIndex[typ]
		id := memID{off: uint64(len(m.arena)), n: uint32(len(value)), typ: t, first: micros(first), last: micros(last), profile: p}
		m.arena = append(m.arena, value...)
		if m.profiles[p].first < 0 {
			m.profiles[p].first = int32(len(m.ids))
		}
		m.profiles[p].count++
		i := int32(len(m.ids))
		m.ids = append(m.ids, id)
		h := m.keyHash(t, value)
		if j, dup := m.byKey[h]; dup && (m.ids[j].typ != t || string(m.value(&m.ids[j])) != value) {
			if m.keyClash == nil {
				m.keyClash = map[string]int32{}
			}
			m.keyClash[string(rune(t))+value] = i
		} else {
			m.byKey[h] = i
		}
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
	if i, ok := m.index(uint16(t), normalized); ok {
		return m.profile(m.ids[i].profile, page), nil
	}
	if q, ok := m.quar[string(rune(t))+normalized]; ok {
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
	i, ok := m.profileIndex(uid)
	if !ok {
		return nil, &NotFound{What: "universal id " + uid}
	}
	return m.profile(i, page), nil
}

// values decodes a profile's columns.
func (m *Memory) values(p *memProfile) []any {
	var vals []any
	dec := json.NewDecoder(bytes.NewReader(m.rows[p.rowOff : p.rowOff+uint64(p.rowLen)]))
	dec.UseNumber()
	if err := dec.Decode(&vals); err != nil {
		// Encoded by loadMemory from the same values: it cannot fail unless memory is corrupt.
		panic(fmt.Sprintf("lookup: the copy of profile %s does not decode: %v", m.uid(p), err))
	}
	return vals
}

// profile gives the page of a profile's identifiers as the SQL lookup does: the copy holds them
// in the same (type, value) order, so the page after a cursor starts at the first one greater
// than it, found by binary search.
func (m *Memory) profile(i int32, page Page) *Profile {
	mp := &m.profiles[i]
	p := &Profile{UniversalID: m.uid(mp), Identifiers: []Identifier{}, IdentifiersTotal: int64(mp.count), Columns: make(map[string]any, len(m.columns))}
	for j, v := range m.values(mp) {
		p.Columns[m.columns[j]] = v
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
			if string(m.value(&id)) <= after.v {
				return -1
			}
			return 1
		})
	}
	end := min(start+page.limit(), len(ids))
	for k := start; k < end; k++ {
		id := &ids[k]
		p.Identifiers = append(p.Identifiers, Identifier{Type: m.types[id.typ], Value: string(m.value(id)), FirstSeenAt: fromMicros(id.first), LastSeenAt: fromMicros(id.last)})
	}
	if end < len(ids) {
		last := &ids[end-1]
		next := cursor(m.types[last.typ], string(m.value(last)))
		p.Next = &next
	}
	return p
}

func (m *Memory) uidHash(uid string) uint64 { return maphash.String(m.seed, uid) & hashMask }
