package demogen

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// TestHouseholds checks the fixed shape of the households: a shared device's sessions belong to
// 2–4 members among the first 30% of persons, each member has 1–3 sessions on it, about half of the
// households share one, and every session has an anonymous id of its own; the games' install ids
// equal install ids of the shop's app; and without households nothing of this is drawn.
func TestHouseholds(t *testing.T) {
	const n = 20000
	build := func(households bool) *gen {
		g := &gen{o: Options{Persons: n, Seed: 5, Households: households, Start: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)},
			people: rand.New(rand.NewPCG(5, 1)), noise: rand.New(rand.NewPCG(5, 2))}
		g.build()
		return g
	}
	g := build(true)
	members := map[string]map[int]bool{}
	sessions := map[string]map[int]map[string]bool{}
	anons := map[string]string{}
	shopInstalls, playInstalls := map[string]bool{}, map[string]bool{}
	for i, p := range g.ps {
		for di, dev := range p.anons {
			for _, a := range dev {
				if deviceApp(di) == "shop_app" {
					shopInstalls[a] = true
				}
			}
		}
		for _, h := range p.home {
			if strings.HasPrefix(h.app, "play_") {
				playInstalls[h.anon] = true
				continue
			}
			if members[h.device] == nil {
				members[h.device], sessions[h.device] = map[int]bool{}, map[int]map[string]bool{}
			}
			if i >= n*3/10 {
				t.Fatalf("person %d shares a device but is not among the first 30%%", i+1)
			}
			members[h.device][i] = true
			if sessions[h.device][i] == nil {
				sessions[h.device][i] = map[string]bool{}
			}
			sessions[h.device][i][h.anon] = true
			if owner, seen := anons[h.anon]; seen && owner != h.device {
				t.Fatalf("anonymous id %s is on two devices", h.anon)
			}
			anons[h.anon] = h.device
		}
	}
	for dev, m := range members {
		if len(m) < 2 || len(m) > 4 {
			t.Fatalf("device %s is shared by %d members, want 2 to 4", dev, len(m))
		}
		for i, s := range sessions[dev] {
			if len(s) < 1 || len(s) > 3 {
				t.Fatalf("person %d has %d sessions on %s, want 1 to 3", i+1, len(s), dev)
			}
		}
	}
	// n*0.3 persons in households of 3 on average, half of them sharing: about n/20 devices.
	if want := float64(n) * 0.3 / 3 / 2; math.Abs(float64(len(members))-want) > want*0.1 {
		t.Fatalf("%d shared devices, want about %.0f", len(members), want)
	}
	collide := 0
	for a := range playInstalls {
		if shopInstalls[a] {
			collide++
		}
	}
	if len(playInstalls) == 0 || collide != len(playInstalls) {
		t.Fatalf("%d of %d install ids of the games equal one of the shop's app", collide, len(playInstalls))
	}
	for _, p := range build(false).ps {
		if len(p.home) > 0 {
			t.Fatal("data without households has household rows")
		}
	}
}
