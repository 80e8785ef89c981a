package warehousetest

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/idstitch/idstitch/engine/plan"
	"github.com/idstitch/idstitch/engine/unionfind"
)

// link is what the rows say of a pair of identifiers: as the engine links them, a star from each
// row's first identifier; how many rows, first and last seen.
type link struct {
	rows        int
	first, last time.Time
}

// EvidenceOracle computes, in Go and independently of the SQL, the partition of policy
// evidence without other guards: the known identifiers (types not in anonymous) form their
// components; each anonymous identifier joins the one known profile it shares rows with or,
// of several, the one first seen last with it when every other one's rows lie strictly before
// that and within window before it; else it is ambiguous. Then, ring by ring, an undecided
// anonymous identifier linked to anonymous ones the ring before placed joins their profile when
// they agree, else is ambiguous. The rest stay alone when their component of all links holds a
// decided identifier, else together with it. It returns the graph of the identifiers that are
// not quarantined and the quarantine (identifier → "reason evidence").
func EvidenceOracle(tables []Table, anonymous map[string]bool, window time.Duration) (Graph, map[unionfind.ID]string) {
	all := Oracle(tables)
	links := map[[2]unionfind.ID]*link{}
	for _, tb := range tables {
		for _, r := range tb.Rows {
			var first *unionfind.ID
			for i, v := range r.Values {
				s, ok := v.(string)
				if !ok || s == "" {
					continue
				}
				id := unionfind.ID{Type: tb.Types[i], Value: s}
				if first == nil {
					first = &id
					continue
				}
				if id == *first {
					continue
				}
				k := [2]unionfind.ID{*first, id}
				if k[1].Type < k[0].Type || k[1].Type == k[0].Type && k[1].Value < k[0].Value {
					k = [2]unionfind.ID{id, *first}
				}
				l := links[k]
				if l == nil {
					l = &link{first: r.TS, last: r.TS}
					links[k] = l
				}
				l.rows++
				if r.TS.Before(l.first) {
					l.first = r.TS
				}
				if r.TS.After(l.last) {
					l.last = r.TS
				}
			}
		}
	}
	ids := all.UF.Groups()
	known := unionfind.New()
	for id := range ids {
		if !anonymous[id.Type] {
			known.Add(id)
		}
	}
	for k := range links {
		if !anonymous[k[0].Type] && !anonymous[k[1].Type] {
			known.Union(known.Add(k[0]), known.Add(k[1]))
		}
	}
	profile := known.Groups()
	decided := decideDirect(links, anonymous, profile, window)
	decideRings(links, anonymous, decided)
	return evidenceGraph(all, ids, profile, decided)
}

// decision is where an anonymous identifier went: its profile (nil when ambiguous), and the
// number of profiles its evidence pointed to.
type decision struct {
	profile  *unionfind.ID
	profiles int
}

// decideDirect is ring 0: the anonymous identifiers that share rows with known profiles.
func decideDirect(links map[[2]unionfind.ID]*link, anonymous map[string]bool, profile map[unionfind.ID]unionfind.ID, window time.Duration) map[unionfind.ID]decision {
	direct := map[unionfind.ID]map[unionfind.ID]*link{}
	for k, l := range links {
		for _, end := range [][2]unionfind.ID{{k[0], k[1]}, {k[1], k[0]}} {
			x, y := end[0], end[1]
			if !anonymous[x.Type] || anonymous[y.Type] {
				continue
			}
			if direct[x] == nil {
				direct[x] = map[unionfind.ID]*link{}
			}
			p := profile[y]
			agg := direct[x][p]
			if agg == nil {
				agg = &link{first: l.first, last: l.last}
				direct[x][p] = agg
			}
			agg.rows += l.rows
			if l.first.Before(agg.first) {
				agg.first = l.first
			}
			if l.last.After(agg.last) {
				agg.last = l.last
			}
		}
	}
	decided := map[unionfind.ID]decision{}
	for x, byProfile := range direct {
		var latest unionfind.ID
		var at time.Time
		for p, l := range byProfile {
			if l.first.After(at) {
				latest, at = p, l.first
			}
		}
		ok := true
		for p, l := range byProfile {
			if p != latest && (!l.last.Before(at) || l.first.Before(at.Add(-window))) {
				ok = false
			}
		}
		d := decision{profiles: len(byProfile)}
		if ok {
			d.profile = &latest
		}
		decided[x] = d
	}
	return decided
}

// decideRings reaches, ring by ring, the undecided anonymous identifiers linked to anonymous
// ones that the ring before placed in a profile.
func decideRings(links map[[2]unionfind.ID]*link, anonymous map[string]bool, decided map[unionfind.ID]decision) {
	front := map[unionfind.ID]bool{}
	for x := range decided {
		front[x] = true
	}
	for len(front) > 0 {
		reached := map[unionfind.ID]map[unionfind.ID]bool{}
		for k := range links {
			for _, end := range [][2]unionfind.ID{{k[0], k[1]}, {k[1], k[0]}} {
				x, y := end[0], end[1]
				if !anonymous[x.Type] || !anonymous[y.Type] || !front[x] || decided[x].profile == nil {
					continue
				}
				if _, done := decided[y]; done {
					continue
				}
				if reached[y] == nil {
					reached[y] = map[unionfind.ID]bool{}
				}
				reached[y][*decided[x].profile] = true
			}
		}
		front = map[unionfind.ID]bool{}
		for y, ps := range reached {
			d := decision{profiles: len(ps)}
			for p := range ps {
				if len(ps) == 1 {
					p := p
					d.profile = &p
				}
			}
			decided[y] = d
			front[y] = true
		}
	}
}

// evidenceGraph groups the identifiers as decided.
func evidenceGraph(all Graph, ids map[unionfind.ID]unionfind.ID, profile map[unionfind.ID]unionfind.ID, decided map[unionfind.ID]decision) (Graph, map[unionfind.ID]string) {
	touched := map[unionfind.ID]bool{}
	for x := range decided {
		touched[ids[x]] = true
	}
	g := Graph{UF: unionfind.New(), FirstSeen: all.FirstSeen}
	quarantine := map[unionfind.ID]string{}
	group := map[unionfind.ID]int32{}
	join := func(id, key unionfind.ID) {
		n := g.UF.Add(id)
		if r, ok := group[key]; ok {
			g.UF.Union(r, n)
		} else {
			group[key] = n
		}
	}
	keys := make([]unionfind.ID, 0, len(ids))
	for id := range ids {
		keys = append(keys, id)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].Type+"\x00"+keys[i].Value < keys[j].Type+"\x00"+keys[j].Value })
	for _, id := range keys {
		d, isDecided := decided[id]
		p, isKnown := profile[id]
		switch {
		case isKnown:
			join(id, p)
		case isDecided && d.profile == nil:
			quarantine[id] = fmt.Sprintf("%s %d", plan.ReasonAmbiguous, d.profiles)
		case isDecided:
			join(id, *d.profile)
		case touched[ids[id]]:
			g.UF.Add(id)
		default:
			join(id, unionfind.ID{Type: "\x00region", Value: ids[id].Type + "\x00" + ids[id].Value})
		}
	}
	return g, quarantine
}

// testEvidence: on random graphs with a random sign-in window, policy evidence publishes exactly
// the partition and the quarantine of the oracle above, with its universal ids.
func testEvidence(t *testing.T, open Factory) {
	conn := open(t)
	defer conn.Close()
	rapid.Check(t, func(t *rapid.T) {
		tables := drawTables(t)
		Load(t, conn, tables)
		window := rapid.SampledFrom([]time.Duration{30 * time.Minute, 36 * time.Hour, 100 * time.Hour}).Draw(t, "window")
		yaml := ProjectYAML(randomTypes, tables, conn.Dialect().DefaultSchema())
		yaml = strings.Replace(yaml, "  - name: cookie\n", "  - name: cookie\n    anonymous: true\n", 1)
		yaml = strings.Replace(yaml, "id_types:\n", fmt.Sprintf("policy:\n  anonymous: evidence\n  sign_in_window: %s\nid_types:\n", window), 1)
		p := mustParse(t, yaml)
		Stitch(t, conn, p, plan.Contraction)
		g, wantQ := EvidenceOracle(tables, map[string]bool{"cookie": true}, window)
		CheckPartition(t, g, Published(t, conn, p.Output.Schema), randomTypes, p.Output.IDSalt)
		gotQ := quarantinedIDs(t, conn, p.Output.Schema)
		for id, want := range wantQ {
			if gotQ[id] != want {
				t.Fatalf("id_quarantine gives %v %q, the oracle %q", id, gotQ[id], want)
			}
		}
		if len(gotQ) != len(wantQ) {
			t.Fatalf("id_quarantine holds %d identifiers, the oracle %d", len(gotQ), len(wantQ))
		}
	})
}
