package demogen

import (
	"fmt"
	"slices"
	"time"
)

// The apps of the two pools: the shop's web site and app share their users, as do the two games.
var (
	ShopApps = []string{"shop_web", "shop_app"}
	PlayApps = []string{"play_a", "play_b"}
)

// deviceApp is the app of a person's device: even devices browse the shop's web site, odd ones
// run the shop's app.
func deviceApp(di int) string { return ShopApps[di%2] }

// apps gives the devices that run the shop's app their install ids: numbered in the pool, one per
// installation, in place of a web cookie.
func (g *gen) apps() {
	n := 0
	for i := range g.ps {
		p := &g.ps[i]
		for di := range p.devices {
			if deviceApp(di) != "shop_app" {
				continue
			}
			for k := range p.anons[di] {
				n++
				p.anons[di][k] = fmt.Sprintf("i-%d", n)
			}
		}
	}
}

// households groups the first 30% of persons into households of 2–4 members; half of the
// households share one tablet or laptop, whose sessions households plays out.
func (g *gen) households() {
	r := g.house
	end := len(g.ps) * 3 / 10
	for i := 0; i+1 < end; {
		size := min(2+r.IntN(3), end-i)
		if size < 2 {
			break
		}
		if r.Float64() < 0.5 {
			g.shareDevice(i, size)
		}
		i += size
	}
}

// session is one member's use of a shared device.
type session struct {
	member int
	start  time.Time
}

// shareDevice plays out the sessions of the members of the household of persons
// first..first+size-1 on the device they share, in time order: each session has a fresh
// anonymous id; in half of them the member signs in, and at the end of a third of those signs
// out. A session that begins while another member is still signed in carries that member's
// user id until (and unless) its own member signs in.
func (g *gen) shareDevice(first, size int) {
	r := g.house
	kind := map[bool]string{true: "tablet", false: "laptop"}[r.Float64() < 0.5]
	device := fmt.Sprintf("d-%s-%s", kind, g.houseHex(12))
	var sessions []session
	for m := first; m < first+size; m++ {
		for k := 1 + r.IntN(3); k > 0; k-- {
			sessions = append(sessions, session{member: m, start: g.houseTS()})
		}
	}
	slices.SortFunc(sessions, func(a, b session) int { return a.start.Compare(b.start) })
	signedIn := -1
	for _, s := range sessions {
		p := &g.ps[s.member]
		anon := "a-" + g.houseHex(20)
		ts := s.start
		row := func(typ, user, email string) {
			p.home = append(p.home, homeRow{ts: ts, typ: typ, anon: anon, device: device, user: user, email: email, app: "shop_web"})
			ts = ts.Add(time.Duration(1+r.IntN(5)) * time.Minute)
		}
		current := func() string {
			if signedIn < 0 {
				return ""
			}
			return g.ps[signedIn].userID
		}
		for k := 1 + r.IntN(3); k > 0; k-- {
			row("page_view", current(), "")
		}
		if r.Float64() >= 0.5 {
			continue
		}
		signedIn = s.member
		row("login", p.userID, p.emails[0])
		for k := 1 + r.IntN(2); k > 0; k-- {
			row("page_view", p.userID, "")
		}
		if r.Float64() < 1.0/3 {
			row("logout", p.userID, "")
			signedIn = -1
		}
	}
}

// games lets one person in ten play one of the two games, in one session on their first device:
// the game sees its own device id for it and numbers its installs in the pool of the games, so
// that its install ids equal the shop app's install ids of other people. Half of the players
// sign in with their login.
func (g *gen) games() {
	r := g.house
	n := 0
	for i := range g.ps {
		if r.Float64() >= 0.1 {
			continue
		}
		p := &g.ps[i]
		n++
		app := PlayApps[r.IntN(len(PlayApps))]
		anon, device := fmt.Sprintf("i-%d", n), "d-"+g.houseHex(16)
		ts := g.houseTS()
		row := func(typ, user, email string) {
			p.home = append(p.home, homeRow{ts: ts, typ: typ, anon: anon, device: device, user: user, email: email, app: app})
			ts = ts.Add(time.Duration(1+r.IntN(5)) * time.Minute)
		}
		for k := 1 + r.IntN(3); k > 0; k-- {
			row("page_view", "", "")
		}
		if r.Float64() < 0.5 {
			row("login", p.userID, p.emails[0])
		}
	}
}

func (g *gen) houseHex(n int) string {
	const digits = "0123456789abcdef"
	b := make([]byte, n)
	for i := range b {
		b[i] = digits[g.house.IntN(16)]
	}
	return string(b)
}

func (g *gen) houseTS() time.Time {
	return g.o.Start.Add(time.Duration(g.house.Int64N(int64(365 * 24 * time.Hour))))
}
