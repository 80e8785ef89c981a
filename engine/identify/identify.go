// Package identify answers identify calls: the identifiers seen together at one moment (a
// sign-in: anonymous id, user id, email) get the universal id a run would give them, at once.
//
// An answer is computed from the copy of the published tables a server keeps in memory plus what
// earlier calls linked since the last run (the provisional layer), by the rules a run applies:
// values normalized and guarded as a run does them; unknown identifiers only make a new profile
// whose id is the one a run derives from its anchor (earliest first seen, then id type priority,
// then value); identifiers of several profiles merge them, the profile with the earliest anchor
// keeping its id, unless a limit or the continuity policy refuses the merge. Each call is written
// to a journal and synced before it is answered; the journal is loaded into the landing table
// that the next run reads as a source, so the run links what the call linked. Where the run
// publishes another id than identify answered, the run records it in id_changes.
package identify

import (
	"cmp"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/idstitch/idstitch/engine/config"
	"github.com/idstitch/idstitch/engine/lookup"
)

// ID is an identifier: its type and value.
type ID struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

// Request is one identify call.
type Request struct {
	// EventID names the call: a retried call with the same event id is answered and recorded
	// once. One is made when it is empty.
	EventID     string `json:"event_id"`
	Identifiers []ID   `json:"identifiers"`
}

// Rejected is an identifier of a call that was not linked, and why.
type Rejected struct {
	Type   string `json:"type"`
	Value  string `json:"value"`
	Reason string `json:"reason"`
}

// Answer is what an identify call answers.
type Answer struct {
	EventID     string `json:"event_id"`
	UniversalID string `json:"universal_id"`
	// Outcome is new (no identifier was known), known (they were all of one profile or new),
	// merged (they joined several profiles) or refused (a limit or the continuity policy refuses
	// the merge; the answer is the profile of the most trusted identifier).
	Outcome string `json:"outcome"`
	// Provisional: the answer links what no run has confirmed yet.
	Provisional bool `json:"provisional"`
	// AnsweredFor is the identifier, normalized, whose profile the answer is.
	AnsweredFor ID `json:"answered_for"`
	// Retired are the universal ids merged into UniversalID.
	Retired  []string   `json:"retired,omitempty"`
	Refused  string     `json:"refused,omitempty"`
	Rejected []Rejected `json:"rejected,omitempty"`
	// Replayed: the event id was answered before; this is that answer.
	Replayed   bool      `json:"replayed,omitempty"`
	ReceivedAt time.Time `json:"received_at"`
}

// BadRequest is a call that cannot be answered as it is.
type BadRequest struct{ Msg string }

func (e *BadRequest) Error() string { return e.Msg }

// Normalized is a value normalized as a run does: nil when nothing is left of it, with the reason
// the guards refuse it (invalid, blocked) when they do.
type Normalized struct{ Value, Refused *string }

// Normalizer normalizes the identifiers of a call, in their order.
type Normalizer func(ctx context.Context, ids []ID) ([]Normalized, error)

// MaxIdentifiers is the most identifiers one call may give.
const MaxIdentifiers = 50

// Resolver answers identify calls for one project.
type Resolver struct {
	p       *config.Project
	rank    map[string]int
	limits  map[string]int
	anon    map[string]bool
	journal *Journal
	now     func() time.Time

	mu   sync.Mutex
	base *lookup.Memory
	// keys maps a normalized identifier (type, 0, value) to the profile a call linked it to.
	keys map[string]link
	// alias maps a universal id that a call merged into another to that one.
	alias map[string]link
	// extra are the provisional profiles' anchors and limited values beyond the published ones.
	extra map[string]*provisional
	// events are the answers of the calls no run has read yet, by event id, so that a retried
	// call is answered alike. Once a run has read a call, its event id moves to confirmed and its
	// answer is read back from the landing table (Recorded) if the call comes again.
	events map[string]event
	// inflight are the event ids being answered, each closed when its answer is known.
	inflight  map[string]chan struct{}
	confirmed *eventWindow
	// Recorded reads the answer the landing table holds for an event id; nil answers a call
	// that a run has read as a new one (the landing table still records it once).
	Recorded func(ctx context.Context, eventID string) (Answer, bool, error)
	last     time.Time
	// pending are the journaled calls no run has read, replayed by the first SetBase.
	pending []Record
}

type link struct {
	uid string
	seq int64
}

// event is a call's answer and its place in the journal.
type event struct {
	a   Answer
	seq int64
}

type provisional struct {
	anchor  lookup.Member
	limited map[string][]string // limited type → values linked by calls
	seq     int64
}

// New makes a resolver that journals to j and replays what j still holds.
func New(p *config.Project, j *Journal, pending []Record) *Resolver {
	r := &Resolver{p: p, rank: map[string]int{}, limits: map[string]int{}, anon: map[string]bool{}, journal: j, now: time.Now,
		keys: map[string]link{}, alias: map[string]link{}, extra: map[string]*provisional{}, events: map[string]event{}, inflight: map[string]chan struct{}{},
		confirmed: newEventWindow(DedupWindow)}
	for i, t := range p.IDTypes {
		r.rank[t.Name] = i
		if t.Limit != nil {
			r.limits[t.Name] = *t.Limit
		}
		r.anon[t.Name] = t.Anonymous
	}
	// What they linked is applied once a published copy is there to weigh it against (SetBase).
	r.pending = pending
	for _, rec := range pending {
		r.events[rec.EventID] = event{a: Answer{EventID: rec.EventID, UniversalID: rec.AnsweredID, AnsweredFor: rec.Answer, Outcome: "recorded",
			Provisional: true, ReceivedAt: time.UnixMicro(rec.ReceivedAt).UTC(), Retired: rec.Retired}, seq: rec.Seq}
	}
	return r
}

// SetBase replaces the published copy answers build on, and drops what calls linked up to seq,
// which the run that published it read.
func (r *Resolver) SetBase(m *lookup.Memory, seq int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.base = m
	for k, l := range r.keys {
		if l.seq <= seq {
			delete(r.keys, k)
		}
	}
	for k, l := range r.alias {
		if l.seq <= seq {
			delete(r.alias, k)
		}
	}
	for k, p := range r.extra {
		if p.seq <= seq {
			delete(r.extra, k)
		}
	}
	now := r.now()
	for id, e := range r.events {
		if e.seq <= seq {
			delete(r.events, id)
			r.confirmed.add(id, now)
		}
	}
	for _, rec := range r.pending {
		if rec.Seq > seq {
			r.apply(rec)
		}
	}
	r.pending = nil
}

// Ready reports whether answers can be computed: a run has published.
func (r *Resolver) Ready() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.base != nil
}

// Journal is the journal calls are written to.
func (r *Resolver) Journal() *Journal { return r.journal }

func key(t, v string) string { return t + "\x00" + v }

// Provisional returns the profile a call linked the normalized identifier to, since the last run.
func (r *Resolver) Provisional(idType, normalized string) (string, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if l, ok := r.keys[key(idType, normalized)]; ok {
		return r.follow(l.uid), true
	}
	if r.base != nil {
		if uid, ok := r.base.ProfileOf(idType, normalized); ok {
			if f := r.follow(uid); f != uid {
				return f, true
			}
		}
	}
	return "", false
}

func (r *Resolver) follow(uid string) string {
	for i := 0; i < 64; i++ {
		a, ok := r.alias[uid]
		if !ok {
			return uid
		}
		uid = a.uid
	}
	return uid
}

// UniversalID is the id a run derives from an anchor identifier.
func UniversalID(salt, idType, value string) string {
	h := md5.Sum([]byte(salt + "|" + idType + "|" + value))
	return hex.EncodeToString(h[:])
}

type candidate struct {
	id   ID // normalized
	raw  string
	uid  string // its profile now, "" when unknown
	rank int
}

// Identify answers a call, after it is on disk.
func (r *Resolver) Identify(ctx context.Context, req Request, normalize Normalizer) (Answer, error) {
	if len(req.Identifiers) == 0 {
		return Answer{}, &BadRequest{Msg: "give at least one identifier: {\"identifiers\": [{\"type\": \"email\", \"value\": \"ann@x.com\"}]}"}
	}
	if len(req.Identifiers) > MaxIdentifiers {
		return Answer{}, &BadRequest{Msg: fmt.Sprintf("%d identifiers in one call; give at most %d", len(req.Identifiers), MaxIdentifiers)}
	}
	if len(req.EventID) > 200 {
		return Answer{}, &BadRequest{Msg: "event_id is longer than 200 characters"}
	}
	seen := map[string]bool{}
	for _, id := range req.Identifiers {
		if _, ok := r.rank[id.Type]; !ok {
			var types []string
			for _, t := range r.p.IDTypes {
				types = append(types, t.Name)
			}
			return Answer{}, &BadRequest{Msg: fmt.Sprintf("%q is not an id type of this project (its types: %s)", id.Type, strings.Join(types, ", "))}
		}
		if seen[id.Type] {
			return Answer{}, &BadRequest{Msg: fmt.Sprintf("two values of id type %s in one call; a call records one value per id type", id.Type)}
		}
		seen[id.Type] = true
	}
	if req.EventID != "" {
		var e event
		var ok, earlier bool
		for {
			r.mu.Lock()
			e, ok = r.events[req.EventID]
			wait, busy := r.inflight[req.EventID]
			earlier = !ok && !busy && r.Recorded != nil && r.confirmed.has(req.EventID, r.now())
			if !ok && !busy {
				// This call answers the event id; a copy that comes meanwhile waits for its answer
				// rather than being decided and recorded a second time.
				done := make(chan struct{})
				r.inflight[req.EventID] = done
				defer func() {
					r.mu.Lock()
					delete(r.inflight, req.EventID)
					r.mu.Unlock()
					close(done)
				}()
			}
			r.mu.Unlock()
			if !busy {
				break
			}
			select {
			case <-wait:
			case <-ctx.Done():
				return Answer{}, ctx.Err()
			}
		}
		if ok {
			e.a.Replayed = true
			return e.a, nil
		}
		if earlier {
			a, ok, err := r.Recorded(ctx, req.EventID)
			if err != nil {
				return Answer{}, fmt.Errorf("reading the recorded answer of event %s: %w", req.EventID, err)
			}
			if ok {
				return a, nil
			}
		}
	} else {
		req.EventID = uuid.NewString()
	}

	// Normalizing asks the warehouse; it needs no lock.
	var cands []candidate
	var rejected []Rejected
	norms, err := normalize(ctx, req.Identifiers)
	if err != nil {
		return Answer{}, err
	}
	for i, id := range req.Identifiers {
		norm, refused := norms[i].Value, norms[i].Refused
		switch {
		case norm == nil:
			rejected = append(rejected, Rejected{Type: id.Type, Value: id.Value, Reason: "empty once normalized"})
		case refused != nil:
			rejected = append(rejected, Rejected{Type: id.Type, Value: id.Value, Reason: *refused})
		default:
			cands = append(cands, candidate{id: ID{id.Type, *norm}, raw: id.Value, rank: r.rank[id.Type]})
		}
	}

	r.mu.Lock()
	if r.base == nil {
		r.mu.Unlock()
		return Answer{}, ErrNotPublished
	}
	now := r.now().UTC().Truncate(time.Microsecond)
	if !now.After(r.last) {
		// Calls are ordered by their time: two in one microsecond would tie.
		now = r.last.Add(time.Microsecond)
	}
	r.last = now
	var linked []candidate
	for _, c := range cands {
		if reason, ok := r.base.QuarantineReason(c.id.Type, c.id.Value); ok {
			if _, known := r.keys[key(c.id.Type, c.id.Value)]; !known {
				rejected = append(rejected, Rejected{Type: c.id.Type, Value: c.raw, Reason: "quarantined: " + reason})
				continue
			}
		}
		c.uid = r.current(c.id)
		linked = append(linked, c)
	}
	a := Answer{EventID: req.EventID, Rejected: rejected, ReceivedAt: now}
	rec := Record{EventID: req.EventID, ReceivedAt: now.UnixMicro(), Values: req.Identifiers}
	if len(linked) == 0 {
		r.mu.Unlock()
		return Answer{}, &BadRequest{Msg: "no identifier of the call can be linked: " + describe(rejected)}
	}
	r.decide(&a, &rec, linked, now)
	wait := r.journal.Append(&rec)
	r.apply(rec)
	r.mu.Unlock()
	if err := wait(); err != nil {
		return Answer{}, fmt.Errorf("recording the call: %w", err)
	}
	r.mu.Lock()
	r.events[a.EventID] = event{a: a, seq: rec.Seq}
	r.mu.Unlock()
	return a, nil
}

// ErrNotPublished: no run has published yet, so there is nothing to answer from.
var ErrNotPublished = errors.New("no run has published yet; identify answers once the first run has")

func describe(rs []Rejected) string {
	var parts []string
	for _, r := range rs {
		parts = append(parts, fmt.Sprintf("%s %q (%s)", r.Type, r.Value, r.Reason))
	}
	return strings.Join(parts, ", ")
}

// current is the profile a normalized identifier belongs to now, "" when none.
func (r *Resolver) current(id ID) string {
	if l, ok := r.keys[key(id.Type, id.Value)]; ok {
		return r.follow(l.uid)
	}
	if uid, ok := r.base.ProfileOf(id.Type, id.Value); ok {
		return r.follow(uid)
	}
	return ""
}

// before orders identifiers as the anchor rule does: earliest first seen (unknown last), then id
// type priority, then value byte by byte.
func before(a, b lookup.Member) int {
	switch {
	case a.First == lookup.NoTime && b.First != lookup.NoTime:
		return 1
	case b.First == lookup.NoTime && a.First != lookup.NoTime:
		return -1
	}
	return cmp.Or(cmp.Compare(a.First, b.First), cmp.Compare(a.Rank, b.Rank), strings.Compare(a.Value, b.Value))
}

// anchor is the anchor of a profile, published or provisional.
func (r *Resolver) anchor(uid string) lookup.Member {
	var best lookup.Member
	found := false
	if p, ok := r.extra[uid]; ok {
		best, found = p.anchor, true
	}
	for _, m := range r.base.Members(uid) {
		if !found || before(m, best) < 0 {
			best, found = m, true
		}
	}
	return best
}

// limited is the values of a limited type a profile holds.
func (r *Resolver) limited(uid, t string, into map[string]bool) {
	for _, m := range r.base.Members(uid) {
		if m.Type == t {
			into[m.Value] = true
		}
	}
	if p, ok := r.extra[uid]; ok {
		for _, v := range p.limited[t] {
			into[v] = true
		}
	}
}

// decide computes the answer of the linked identifiers of a call.
func (r *Resolver) decide(a *Answer, rec *Record, linked []candidate, now time.Time) {
	salt := r.p.Output.IDSalt
	// The most trusted identifier: the first by id type priority, then value.
	slices.SortFunc(linked, func(x, y candidate) int {
		return cmp.Or(cmp.Compare(x.rank, y.rank), strings.Compare(x.id.Value, y.id.Value))
	})
	var profiles []string
	for _, c := range linked {
		if c.uid != "" && !slices.Contains(profiles, c.uid) {
			profiles = append(profiles, c.uid)
		}
	}
	refuse := ""
	if len(profiles) > 1 && r.p.Policy.Anonymous != "" && r.p.Policy.Anonymous != "link" {
		refuse = fmt.Sprintf("policy.anonymous %s decides in a run whether these profiles join", r.p.Policy.Anonymous)
	}
	if refuse == "" && len(profiles) > 0 {
		// In the order of the id types, so that the same call is refused for the same limit.
		for _, it := range r.p.IDTypes {
			t := it.Name
			limit, ok := r.limits[t]
			if !ok {
				continue
			}
			values := map[string]bool{}
			for _, uid := range profiles {
				r.limited(uid, t, values)
			}
			for _, c := range linked {
				if c.id.Type == t {
					values[c.id.Value] = true
				}
			}
			if len(values) > limit {
				refuse = fmt.Sprintf("the profile would hold %d values of %s, whose limit is %d", len(values), t, limit)
				break
			}
		}
	}
	top := linked[0]
	a.AnsweredFor = top.id
	rec.Answer = top.id
	a.Provisional = true
	if refuse != "" {
		a.Outcome, a.Refused = "refused", refuse
		if top.uid != "" {
			a.UniversalID = top.uid
			a.Provisional = false
		} else {
			a.UniversalID = UniversalID(salt, top.id.Type, top.id.Value)
			rec.Linked = []ID{top.id}
		}
		rec.AnsweredID = a.UniversalID
		return
	}
	// The anchor of the joined profile: the earliest of the profiles' anchors and the new
	// identifiers, all first seen now.
	var best lookup.Member
	bestUID, found := "", false
	for _, uid := range profiles {
		if m := r.anchor(uid); !found || before(m, best) < 0 {
			best, bestUID, found = m, uid, true
		}
	}
	newOnes := 0
	for _, c := range linked {
		if c.uid != "" {
			continue
		}
		newOnes++
		m := lookup.Member{Type: c.id.Type, Rank: c.rank, Value: c.id.Value, First: now.UnixMicro()}
		if !found || before(m, best) < 0 {
			best, bestUID, found = m, "", true
		}
	}
	a.UniversalID = bestUID
	if bestUID == "" {
		a.UniversalID = UniversalID(salt, best.Type, best.Value)
	}
	switch {
	case len(profiles) == 0:
		a.Outcome = "new"
	case len(profiles) == 1:
		a.Outcome = "known"
		a.Provisional = newOnes > 0 || a.UniversalID != profiles[0] || r.isProvisional(profiles[0])
	default:
		a.Outcome = "merged"
	}
	for _, uid := range profiles {
		if uid != a.UniversalID {
			a.Retired = append(a.Retired, uid)
		}
	}
	sort.Strings(a.Retired)
	rec.AnsweredID = a.UniversalID
	rec.Retired = a.Retired
	for _, c := range linked {
		rec.Linked = append(rec.Linked, c.id)
	}
}

func (r *Resolver) isProvisional(uid string) bool {
	_, ok := r.extra[uid]
	return ok
}

// apply adds what a recorded call links to the provisional layer.
func (r *Resolver) apply(rec Record) {
	if len(rec.Linked) == 0 {
		return
	}
	uid := rec.AnsweredID
	p, ok := r.extra[uid]
	if !ok {
		p = &provisional{limited: map[string][]string{}}
		if r.base != nil {
			p.anchor = r.anchor(uid)
		}
		r.extra[uid] = p
	}
	p.seq = rec.Seq
	for _, old := range rec.Retired {
		r.alias[old] = link{uid: uid, seq: rec.Seq}
		if op, ok := r.extra[old]; ok {
			for t, vs := range op.limited {
				p.limited[t] = append(p.limited[t], vs...)
			}
		}
		if r.base != nil {
			if m := r.anchor(old); before(m, p.anchor) < 0 || p.anchor.Type == "" {
				p.anchor = m
			}
		}
	}
	for _, id := range rec.Linked {
		r.keys[key(id.Type, id.Value)] = link{uid: uid, seq: rec.Seq}
		m := lookup.Member{Type: id.Type, Rank: r.rank[id.Type], Value: id.Value, First: rec.ReceivedAt}
		if p.anchor.Type == "" || before(m, p.anchor) < 0 {
			p.anchor = m
		}
		if _, ok := r.limits[id.Type]; ok && !slices.Contains(p.limited[id.Type], id.Value) {
			p.limited[id.Type] = append(p.limited[id.Type], id.Value)
		}
	}
}
