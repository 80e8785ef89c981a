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

// guardCases runs each guard alone and combined on small hand-built graphs whose right answer is
// written in the test.
func testGuards(t *testing.T, open Factory) {
	conn := open(t)
	defer conn.Close()
	for _, c := range guardCases {
		t.Run(c.name, func(t *testing.T) {
			tb := Table{Name: "g_" + strings.ReplaceAll(c.name, " ", "_"), Columns: []string{"user_id", "email", "phone", "device_id", "cookie"},
				Types: []string{"user_id", "email", "phone", "device_id", "cookie"}}
			for i, r := range c.rows {
				vals := make([]any, 5)
				for k, v := range r {
					if v != "" {
						vals[k] = v
					}
				}
				tb.Rows = append(tb.Rows, Row{TS: base.Add(time.Duration(i) * time.Hour), Values: vals})
			}
			Load(t, conn, []Table{tb})
			yaml := strings.Replace(guardProject, "TABLE", conn.Dialect().DefaultSchema()+"."+tb.Name, 1)
			yaml = strings.Replace(yaml, "POLICY", c.policy, 1)
			for k, v := range c.types {
				yaml = strings.Replace(yaml, "  - name: "+k+"\n", "  - name: "+k+"\n"+v, 1)
			}
			p := mustParse(t, yaml)
			Stitch(t, conn, p, plan.Contraction)
			got := Published(t, conn, p.Output.Schema)
			checkGroups(t, got, c.profiles)
			q := quarantined(t, conn, p.Output.Schema)
			var want []string
			for k, v := range c.quarantine {
				want = append(want, k+" "+v)
			}
			sort.Strings(want)
			if strings.Join(q, "\n") != strings.Join(want, "\n") {
				t.Fatalf("id_quarantine:\n%s\nwant:\n%s", strings.Join(q, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}

const guardProject = `project: guards
warehouse:
  type: duckdb
  path: unused.duckdb
POLICY
id_types:
  - name: user_id
  - name: email
  - name: phone
  - name: device_id
  - name: cookie
    anonymous: true
sources:
  - name: rows
    table: TABLE
    timestamp: ts
    ids:
      user_id: user_id
      email: email
      phone: phone
      device_id: device_id
      cookie: cookie
`

// A row holds user_id, email, phone, device_id, cookie; "" is no value.
type guardCase struct {
	name       string
	policy     string
	types      map[string]string // extra keys per id type
	rows       [][5]string
	profiles   [][]string        // expected profiles, as type:value
	quarantine map[string]string // type:value → "reason evidence"
}

var junkRows = func() [][5]string {
	var rows [][5]string
	for i := 0; i < 1000; i++ {
		u := fmt.Sprintf("u%d", i)
		rows = append(rows, [5]string{u, fmt.Sprintf("c%d@mail.com", i)}, [5]string{u, "test@test.com"})
	}
	return rows
}()

func junkProfiles() [][]string {
	var out [][]string
	for i := 0; i < 1000; i++ {
		out = append(out, []string{fmt.Sprintf("user_id:u%d", i), fmt.Sprintf("email:c%d@mail.com", i)})
	}
	return out
}

var guardCases = []guardCase{
	{
		name:  "two user ids sharing a device",
		types: map[string]string{"user_id": "    limit: 1\n"},
		rows: [][5]string{
			{"u1", "a@x.com"}, {"u2", "b@x.com"},
			{"u1", "", "", "dev"}, {"u1", "", "", "dev"}, {"u1", "", "", "dev"}, {"u2", "", "", "dev"},
			{"", "", "", "dev", "k1"},
		},
		// dev is one link from each user; it has more rows with u1, so it and its cookie join u1.
		profiles: [][]string{{"user_id:u1", "email:a@x.com", "device_id:dev", "cookie:k1"}, {"user_id:u2", "email:b@x.com"}},
	},
	{
		name:   "two user ids sharing a device, ties isolated",
		policy: "policy:\n  limit_ties: isolate",
		types:  map[string]string{"user_id": "    limit: 1\n"},
		rows: [][5]string{
			{"u1", "a@x.com"}, {"u2", "b@x.com"},
			{"u1", "", "", "dev"}, {"u1", "", "", "dev"}, {"u1", "", "", "dev"}, {"u2", "", "", "dev"},
			{"", "", "", "dev", "k1"},
		},
		// dev is as near to u1 as to u2: it joins neither; its cookie, reached through it only,
		// stays a profile of its own.
		profiles:   [][]string{{"user_id:u1", "email:a@x.com"}, {"user_id:u2", "email:b@x.com"}, {"cookie:k1"}},
		quarantine: map[string]string{"device_id:dev": "limit_conflict 2"},
	},
	{
		name:       "a junk email joining 1000 customers, hub guard",
		types:      map[string]string{"email": "    max_degree: 50\n"},
		rows:       junkRows,
		profiles:   junkProfiles(),
		quarantine: map[string]string{"email:test@test.com": "hub 1000"},
	},
	{
		name:       "a junk email joining 1000 customers, blocked",
		types:      map[string]string{"email": "    block: ['test@test.com']\n"},
		rows:       junkRows,
		profiles:   junkProfiles(),
		quarantine: map[string]string{"email:test@test.com": "blocked 1000"},
	},
	{
		name:  "a phone in two formats",
		types: map[string]string{"phone": "    normalize: [e164]\n    country_code: \"1\"\n", "email": "    normalize: [trim, lower]\n"},
		rows: [][5]string{
			{"u1", "", "+1 (555) 123-4567"}, {"", " Ann@X.com ", "555-123-4567"}, {"u2", "", "0044 20 7946 0000"}, {"", "bob@y.com", "+44 20 7946 0000"},
		},
		profiles: [][]string{{"user_id:u1", "email:ann@x.com", "phone:+15551234567"}, {"user_id:u2", "email:bob@y.com", "phone:+442079460000"}},
	},
	{
		name:  "a chain that breaks a limit in its middle",
		types: map[string]string{"user_id": "    limit: 1\n"},
		rows: [][5]string{
			{"u1", "e1@x.com"}, {"", "e1@x.com", "p12"}, {"", "e2@x.com", "p12"}, {"", "e2@x.com", "p12"}, {"", "e2@x.com", "p23"}, {"", "e3@x.com", "p23"}, {"u2", "e3@x.com"},
		},
		// u1 - e1 - p12 = e2 - p23 - e3 - u2: e2 is three links from each user, and has more rows
		// with p12 (u1's side) than with p23, so it stays on u1's side.
		profiles: [][]string{{"user_id:u1", "email:e1@x.com", "phone:p12", "email:e2@x.com"}, {"user_id:u2", "email:e3@x.com", "phone:p23"}},
	},
	{
		name:  "anonymous link",
		types: map[string]string{},
		rows:  isolateRows,
		profiles: [][]string{
			{"user_id:u1", "email:a@x.com", "user_id:u2", "email:b@x.com", "cookie:k1", "cookie:k2"},
			{"cookie:k3", "device_id:d3"},
		},
	},
	{
		name:   "anonymous isolate",
		policy: "policy:\n  anonymous: isolate",
		types:  map[string]string{"device_id": "    anonymous: true\n"},
		rows:   isolateRows,
		profiles: [][]string{
			{"user_id:u1", "email:a@x.com", "cookie:k2"},
			{"user_id:u2", "email:b@x.com"},
			{"cookie:k3", "device_id:d3"},
		},
		quarantine: map[string]string{"cookie:k1": "anonymous_isolated 2"},
	},
	{
		name:   "anonymous evidence",
		policy: "policy:\n  anonymous: evidence\n  sign_in_window: 2h",
		types:  map[string]string{"device_id": "    anonymous: true\n"},
		rows:   evidenceRows,
		profiles: [][]string{
			{"user_id:u1", "email:a@x.com", "cookie:k1", "device_id:d5", "cookie:k6", "cookie:k7"},
			{"user_id:u2", "email:b@x.com", "cookie:k2"},
			{"device_id:d9", "cookie:k4", "cookie:k5"},
		},
		quarantine: map[string]string{"device_id:t1": "anonymous_ambiguous 2", "cookie:k3": "anonymous_ambiguous 2"},
	},
	{
		name:   "invalid and blocked values",
		policy: "policy:\n  block: ['null', 'N/A']",
		types:  map[string]string{"email": "    pattern: '^[^@]+@[^@]+$'\n"},
		rows: [][5]string{
			{"u1", "not-an-email"}, {"NULL", "a@x.com"}, {"u2", "n/a"}, {"u2", "b@x.com"}, {"null", "b@x.com"},
		},
		profiles:   [][]string{{"user_id:u1"}, {"email:a@x.com"}, {"user_id:u2", "email:b@x.com"}},
		quarantine: map[string]string{"email:not-an-email": "invalid 1", "user_id:NULL": "blocked 1", "user_id:null": "blocked 1", "email:n/a": "blocked 1"},
	},
}

// Two known customers share one cookie (k1); k2 is only u1's; k3 and d3 are an anonymous pair.
var isolateRows = [][5]string{
	{"u1", "a@x.com"}, {"u2", "b@x.com"},
	{"u1", "", "", "", "k1"}, {"u2", "", "", "", "k1"}, {"u1", "", "", "", "k2"},
	{"", "", "", "d3", "k3"},
}

// A family tablet t1, one row an hour: k1 browses anonymously, then u1 signs in on it; k2 starts
// while u1 is still signed in, then u2 signs in within the window; k3 is u1's, u2's, then u1's
// again; d5 is u1's own device, and k7 only ever browsed on it; d9, k4 and k5 never signed in.
var evidenceRows = [][5]string{
	{"u1", "a@x.com"}, {"u2", "b@x.com"},
	{"", "", "", "t1", "k1"}, {"u1", "", "", "t1", "k1"},
	{"", "", "", "t1", "k2"}, {"u1", "", "", "t1", "k2"}, {"u2", "", "", "t1", "k2"},
	{"u1", "", "", "", "k3"}, {"u2", "", "", "", "k3"}, {"u1", "", "", "", "k3"},
	{"", "", "", "d9", "k4"}, {"", "", "", "d9", "k5"},
	{"u1", "", "", "d5", "k6"}, {"", "", "", "d5", "k7"},
}

// testGuardProperties: with guards on, on random graphs, no profile breaks a limit, every
// identifier is in id_graph or id_quarantine (never both, never neither), and a second run gives
// the same result.
func testGuardProperties(t *testing.T, open Factory) {
	conn := open(t)
	defer conn.Close()
	// The property's own t hides the test's, so that a failure in any helper is rapid's to shrink.
	rapid.Check(t, func(t *rapid.T) {
		tables := drawTables(t)
		Load(t, conn, tables)
		r := drawRules(t)
		userLimit, emailLimit := r.userLimit, r.emailLimit
		p := mustParse(t, guardedYAML(r, ProjectYAML(randomTypes, tables, conn.Dialect().DefaultSchema())))
		Stitch(t, conn, p, plan.Contraction)
		graph := Published(t, conn, p.Output.Schema)
		q := quarantined(t, conn, p.Output.Schema)
		inQ := quarantinedIDs(t, conn, p.Output.Schema)
		all := Oracle(tables).UF.Groups()
		for id := range all {
			_, inG := graph[id]
			if _, quarantined := inQ[id]; inG == quarantined {
				t.Fatalf("identifier %v: in id_graph %v, in id_quarantine %v; want exactly one", id, inG, quarantined)
			}
		}
		if len(graph)+len(q) != len(all) {
			t.Fatalf("id_graph %d + id_quarantine %d identifiers, the rows hold %d", len(graph), len(q), len(all))
		}
		counts := map[string]map[string]int{}
		for id, uid := range graph {
			if counts[uid] == nil {
				counts[uid] = map[string]int{}
			}
			counts[uid][id.Type]++
		}
		for uid, c := range counts {
			if c["user_id"] > userLimit || c["email"] > emailLimit {
				t.Fatalf("profile %s holds %d user_ids (limit %d) and %d emails (limit %d)", uid, c["user_id"], userLimit, c["email"], emailLimit)
			}
		}
		// Guards only remove links: a profile never holds identifiers that are not linked in the rows.
		rawGroup := map[string]unionfind.ID{}
		for id, uid := range graph {
			if g, ok := rawGroup[uid]; ok && g != all[id] {
				t.Fatalf("profile %s holds %v, which is not linked in the rows to the rest of it", uid, id)
			}
			rawGroup[uid] = all[id]
		}
		Stitch(t, conn, p, plan.Contraction)
		again := Published(t, conn, p.Output.Schema)
		for id, uid := range graph {
			if again[id] != uid {
				t.Fatalf("a second run gave %v universal id %s, the first %s", id, again[id], uid)
			}
		}
		if q2 := quarantined(t, conn, p.Output.Schema); strings.Join(q2, "\n") != strings.Join(q, "\n") {
			t.Fatalf("a second run quarantined differently")
		}
	})
}

// rules are the guard settings of a random project.
type rules struct {
	userLimit, emailLimit, maxDegree int
	blockPattern, block              string
	anonymous, ties                  string
}

func drawRules(t *rapid.T) rules {
	return rules{
		userLimit:    rapid.IntRange(1, 2).Draw(t, "user limit"),
		emailLimit:   rapid.IntRange(1, 3).Draw(t, "email limit"),
		maxDegree:    rapid.IntRange(1, 6).Draw(t, "cookie max_degree"),
		blockPattern: rapid.SampledFrom([]string{"7$", "[05]$"}).Draw(t, "block_pattern"),
		block:        rapid.SampledFrom([]string{"user_id-3", "user_id-1"}).Draw(t, "block"),
		anonymous:    rapid.SampledFrom([]string{"link", "isolate", "evidence"}).Draw(t, "anonymous"),
		ties:         rapid.SampledFrom([]string{"nearest", "isolate"}).Draw(t, "ties"),
	}
}

// guardedYAML adds guards to a project: limits, blocked values, a hub limit and policies.
func guardedYAML(r rules, yaml string) string {
	yaml = strings.Replace(yaml, "  - name: user_id\n", fmt.Sprintf("  - name: user_id\n    limit: %d\n", r.userLimit), 1)
	yaml = strings.Replace(yaml, "  - name: email\n", fmt.Sprintf("  - name: email\n    limit: %d\n    block_pattern: '%s'\n", r.emailLimit, r.blockPattern), 1)
	yaml = strings.Replace(yaml, "  - name: cookie\n", fmt.Sprintf("  - name: cookie\n    max_degree: %d\n    anonymous: true\n", r.maxDegree), 1)
	policy := fmt.Sprintf("policy:\n  anonymous: %s\n  limit_ties: %s\n  block: ['%s']\n", r.anonymous, r.ties, r.block)
	return strings.Replace(yaml, "id_types:\n", policy+"id_types:\n", 1)
}
