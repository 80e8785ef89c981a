// Package demogen generates realistic synthetic e-commerce data for the demo, the tests and the
// benchmarks: web and app sessions with anonymous and device ids, logins with user ids, newsletter
// sign-ups, orders with email and phone, CRM contacts and cart abandons — with the noise real data
// has (junk emails, null-ish strings, shared devices). The same seed gives the same data.
package demogen

import (
	"context"
	"fmt"
	"iter"
	"math/rand/v2"
	"time"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/dialects"
	"github.com/idstitch/idstitch/engine/config"
)

// Options shapes the data.
type Options struct {
	Persons int
	Seed    uint64
	// Schema receives the tables; empty means the warehouse's default schema.
	Schema string
	// Clean leaves out all noise: the same people and events, without junk values or shared
	// devices. It gives the ideal partition to measure a noisy run against.
	Clean bool
	// Start is the first event time; events span the following year.
	Start time.Time
	// Households adds the people who share a home, and apps of two pools: 30% of persons live in
	// households of 2–4 members; half of those households share one tablet or laptop, on which
	// each member has 1–3 sessions, each with a fresh anonymous id, signing in during half of them
	// and signing out at the end of a third of those (a member who does not sign out leaves the
	// device signed in for whoever uses it next). Every device's events carry the app they come
	// from: the shop's web site and app (pool shop) and two games (pool play). Device ids are
	// local to an app, and the install ids of the shop's app and of the games are numbered per
	// pool, so equal install ids in the two pools belong to different people. The persons and
	// their own events are those of the data without households, except that the devices running
	// the shop's app carry install ids in place of random cookies.
	Households bool
}

// Stats counts what was written.
type Stats struct {
	Persons, Events, Orders, Contacts int64
}

// Tables are the source tables the generator writes, with their columns.
var Tables = []struct {
	Name    string
	Columns []Column
}{
	{"events", []Column{{"event_id", dialects.Int64}, {"ts", dialects.Timestamp}, {"event_type", dialects.Text}, {"anonymous_id", dialects.Text}, {"device_id", dialects.Text}, {"user_id", dialects.Text}, {"email", dialects.Text}, {"revenue", dialects.Float64}, {"person", dialects.Int64}, {"app_id", dialects.Text}}},
	{"orders", []Column{{"order_id", dialects.Int64}, {"ts", dialects.Timestamp}, {"user_id", dialects.Text}, {"email", dialects.Text}, {"billing_email", dialects.Text}, {"phone", dialects.Text}, {"revenue", dialects.Float64}, {"person", dialects.Int64}}},
	{"crm_contacts", []Column{{"contact_id", dialects.Int64}, {"updated_at", dialects.Timestamp}, {"user_id", dialects.Text}, {"email", dialects.Text}, {"phone", dialects.Text}, {"person", dialects.Int64}}},
}

// Column is a generated column.
type Column struct {
	Name string
	Type dialects.Type
}

var junkEmails = []string{"test@test.com", "a@a.com", "noreply@example.com", "none@none.com"}
var nullish = []string{"null", "undefined", "0", "none", "N/A", ""}

// callCentre is the phone number entered for customers who gave none.
const callCentre = "+15550000000"

// Noise lists the values the noise writes in place of identifiers: they are nobody's.
func Noise() []string {
	out := append([]string{callCentre}, junkEmails...)
	return append(out, nullish...)
}

var domains = []string{"gmail.com", "yahoo.com", "outlook.com", "icloud.com", "proton.me", "acme.io"}

type person struct {
	id      int64
	userID  string
	emails  []string
	phone   string
	devices []string
	anons   [][]string // per device
	// home holds the rows of this person's sessions on a device shared with the household, and
	// of the game they play (with Households).
	home []homeRow
}

// homeRow is an events row of a shared device's session or of a game.
type homeRow struct {
	ts                                  time.Time
	typ, anon, device, user, email, app string
}

// Generate creates the tables (replacing them) and fills them.
func Generate(ctx context.Context, conn connectors.Conn, o Options) (Stats, error) {
	d := conn.Dialect()
	if o.Schema == "" {
		o.Schema = d.DefaultSchema()
	}
	if o.Start.IsZero() {
		o.Start = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	if err := conn.Exec(ctx, d.CreateSchema(o.Schema)); err != nil {
		return Stats{}, err
	}
	for _, t := range Tables {
		cols := ""
		for i, c := range t.Columns {
			if i > 0 {
				cols += ", "
			}
			cols += d.QuoteIdent(c.Name) + " " + d.Type(c.Type)
		}
		if err := conn.Exec(ctx, d.DropTable(d.Table(o.Schema, t.Name))); err != nil {
			return Stats{}, err
		}
		if err := conn.Exec(ctx, fmt.Sprintf("CREATE TABLE %s (%s)", d.Table(o.Schema, t.Name), cols)); err != nil {
			return Stats{}, err
		}
	}
	g := &gen{o: o, people: rand.New(rand.NewPCG(o.Seed, 1)), noise: rand.New(rand.NewPCG(o.Seed, 2))}
	g.build()
	return g.load(ctx, conn)
}

// load writes the rows of the picked persons into the tables.
func (g *gen) load(ctx context.Context, conn connectors.Conn) (Stats, error) {
	o := g.o
	var st Stats
	st.Persons = int64(len(g.persons()))
	for ti, t := range Tables {
		// Rows are generated while they are loaded, so a million persons never sit in memory.
		next, stop := iter.Pull(g.rows(ti))
		var n int64
		err := conn.Load(ctx, o.Schema, t.Name, names(t.Columns), func(row []any) bool {
			r, ok := next()
			if ok {
				copy(row, r)
				n++
			}
			return ok
		})
		stop()
		if err != nil {
			return st, fmt.Errorf("load %s: %w", t.Name, err)
		}
		switch t.Name {
		case "events":
			st.Events = n
		case "orders":
			st.Orders = n
		case "crm_contacts":
			st.Contacts = n
		}
	}
	return st, nil
}

func names(cols []Column) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.Name
	}
	return out
}

type gen struct {
	o      Options
	people *rand.Rand // decides the people and their events
	noise  *rand.Rand // decides the noise only, so Clean changes nothing else
	ps     []person
	shared []string // devices shared by several people (family tablets)
	// house decides the households, their sessions and the games, so that the persons and their
	// own events are those of the data without households.
	house *rand.Rand
	// pick lists the persons whose rows are written (nil: all), span how long after Start the
	// rows fall (0: a year), idBase the number ids of rows count from.
	pick   []int
	span   time.Duration
	idBase int64
}

// persons returns the persons whose rows are written.
func (g *gen) persons() []*person {
	var out []*person
	if g.pick == nil {
		for i := range g.ps {
			out = append(out, &g.ps[i])
		}
		return out
	}
	for _, i := range g.pick {
		out = append(out, &g.ps[i])
	}
	return out
}

func (g *gen) hex(n int) string {
	const digits = "0123456789abcdef"
	b := make([]byte, n)
	for i := range b {
		b[i] = digits[g.people.IntN(16)]
	}
	return string(b)
}

func (g *gen) build() {
	g.ps = make([]person, g.o.Persons)
	for i := range g.ps {
		g.ps[i] = g.person(i + 1)
	}
	nShared := g.o.Persons / 500
	for i := 0; i < nShared; i++ {
		g.shared = append(g.shared, "d-shared-"+g.hex(12))
	}
	if g.o.Households {
		g.house = rand.New(rand.NewPCG(g.o.Seed, 3))
		g.apps()
		g.households()
		g.games()
	}
}

// person draws person n's identifiers.
func (g *gen) person(n int) person {
	r := g.people
	p := person{id: int64(n)}
	if r.Float64() < 0.7 {
		p.userID = fmt.Sprintf("u%08d", n)
	}
	ne := 1
	if r.Float64() < 0.2 {
		ne = 2
	}
	for j := 0; j < ne; j++ {
		p.emails = append(p.emails, fmt.Sprintf("person%d.%d@%s", n, j, domains[r.IntN(len(domains))]))
	}
	if r.Float64() < 0.5 {
		p.phone = fmt.Sprintf("+1555%07d", n)
	}
	nd := 1 + r.IntN(3)
	for j := 0; j < nd; j++ {
		p.devices = append(p.devices, "d-"+g.hex(16))
		na := 1 + r.IntN(2)
		var anons []string
		for k := 0; k < na; k++ {
			anons = append(anons, "a-"+g.hex(20))
		}
		p.anons = append(p.anons, anons)
	}
	return p
}

// Append adds rows to the tables that Generate made with the same Persons and Seed: about
// fraction of their rows, half from customers who come back (their identifiers, and a new
// anonymous id for the new visit) and half from new customers. The rows fall within the hour
// after the latest event; each append numbers itself after the ones before, so that ids and people
// differ from one append to the next.
func Append(ctx context.Context, conn connectors.Conn, o Options, fraction float64) (Stats, error) {
	d := conn.Dialect()
	if o.Schema == "" {
		o.Schema = d.DefaultSchema()
	}
	rows, err := conn.Query(ctx, fmt.Sprintf("SELECT MAX(ts), COALESCE(MAX(event_id), 0) FROM %s", d.Table(o.Schema, "events")))
	if err != nil {
		return Stats{}, err
	}
	var after *time.Time
	var maxID int64
	if rows.Next() {
		err = rows.Scan(&after, &maxID)
	}
	rows.Close()
	if err == nil {
		err = rows.Err()
	}
	if err != nil {
		return Stats{}, err
	}
	if after == nil {
		return Stats{}, fmt.Errorf("the events table %s is empty: generate the data first", d.Table(o.Schema, "events"))
	}
	// Appended ids count from a billion times the batch number.
	batch := int(maxID/1_000_000_000) + 1
	g := &gen{o: o, people: rand.New(rand.NewPCG(o.Seed, 1)), noise: rand.New(rand.NewPCG(o.Seed, 2))}
	g.build()
	// From here on the draws depend on the batch, not on what Generate drew.
	g.people = rand.New(rand.NewPCG(o.Seed, 1000+uint64(batch)))
	g.noise = rand.New(rand.NewPCG(o.Seed, 2000+uint64(batch)))
	g.o.Start, g.span, g.idBase = after.Add(time.Second), time.Hour, int64(batch)*1_000_000_000
	k := int(float64(o.Persons)*fraction/2 + 0.5)
	for i := 0; i < k; i++ {
		p := &g.ps[g.people.IntN(len(g.ps))]
		// A new visit: a fresh anonymous id on the first device.
		p.anons[0] = append([]string{"a-" + g.hex(20)}, p.anons[0]...)
		g.pick = append(g.pick, int(p.id-1))
	}
	for i := 0; i < k; i++ {
		g.ps = append(g.ps, g.person(batch*10_000_000+o.Persons+i+1))
		g.pick = append(g.pick, len(g.ps)-1)
	}
	return g.load(ctx, conn)
}
func (g *gen) ts() time.Time {
	span := g.span
	if span == 0 {
		span = 365 * 24 * time.Hour
	}
	return g.o.Start.Add(time.Duration(g.people.Int64N(int64(span))))
}

// maybeNull replaces a value with a null-ish string now and then.
func (g *gen) maybeNull(v any, p float64) any {
	if g.o.Clean || g.noise.Float64() >= p {
		return v
	}
	return nullish[g.noise.IntN(len(nullish))]
}

func orNil(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// rows returns the rows of table ti. Every table draws from its own position of the same
// generators, so the data is the same on every call with the same options.
func (g *gen) rows(ti int) iter.Seq[[]any] {
	return func(yield func([]any) bool) {
		stopped := false
		emit := func(row []any) {
			if !stopped && !yield(row) {
				stopped = true
			}
		}
		switch Tables[ti].Name {
		case "events":
			g.events(emit)
		case "orders":
			g.orders(emit)
		default:
			g.contacts(emit)
		}
	}
}

func (g *gen) events(emit func([]any)) {
	r := g.people
	id := g.idBase
	var app string
	add := func(p *person, typ string, anon, device, user, email any, revenue any) {
		id++
		emit([]any{id, g.ts(), typ, anon, device, user, email, revenue, p.id, app})
	}
	for _, p := range g.persons() {
		for di, dev := range p.devices {
			app = deviceApp(di)
			device := dev
			if !g.o.Clean && len(g.shared) > 0 && g.noise.Float64() < 0.01 {
				// A family tablet: this person's sessions on it carry a device id that others use too.
				device = g.shared[g.noise.IntN(len(g.shared))]
			}
			for _, anon := range p.anons[di] {
				views := 1 + r.IntN(3)
				for k := 0; k < views; k++ {
					var user any
					if p.userID != "" && r.Float64() < 0.3 {
						user = p.userID
					}
					add(p, "page_view", anon, device, g.maybeNull(user, 0.02), nil, nil)
				}
				if p.userID != "" && r.Float64() < 0.6 {
					add(p, "login", anon, device, p.userID, p.emails[0], nil)
				}
				if r.Float64() < 0.15 {
					var user any
					if p.userID != "" {
						user = p.userID
					}
					add(p, "cart_abandoned", anon, device, user, nil, nil)
				}
			}
		}
		if r.Float64() < 0.3 {
			email := p.emails[len(p.emails)-1]
			if !g.o.Clean && g.noise.Float64() < 0.02 {
				email = junkEmails[g.noise.IntN(len(junkEmails))]
			}
			app = deviceApp(0)
			add(p, "newsletter_signup", p.anons[0][0], nil, nil, email, nil)
		}
		if g.pick != nil {
			// Appended visits are the persons' own.
			continue
		}
		for _, h := range p.home {
			id++
			emit([]any{id, h.ts, h.typ, h.anon, h.device, orNil(h.user), orNil(h.email), nil, p.id, h.app})
		}
	}
}

func (g *gen) orders(emit func([]any)) {
	r := g.people
	id := g.idBase
	for _, p := range g.persons() {
		if r.Float64() >= 0.4 {
			continue
		}
		n := 1 + r.IntN(4)
		for k := 0; k < n; k++ {
			id++
			email := p.emails[0]
			billing := email
			if len(p.emails) > 1 && r.Float64() < 0.5 {
				billing = p.emails[1]
			}
			if !g.o.Clean && g.noise.Float64() < 0.01 {
				email = junkEmails[g.noise.IntN(len(junkEmails))]
			}
			var user any
			if p.userID != "" {
				user = p.userID
			}
			revenue := float64(500+r.IntN(30000)) / 100
			emit([]any{id, g.ts(), g.maybeNull(user, 0.01), email, billing, orNil(p.phone), revenue, p.id})
		}
	}
}

func (g *gen) contacts(emit func([]any)) {
	r := g.people
	id := g.idBase
	for _, p := range g.persons() {
		if p.phone == "" && p.userID == "" || r.Float64() >= 0.5 {
			continue
		}
		id++
		phone := any(orNil(p.phone))
		if !g.o.Clean && phone != nil && g.noise.Float64() < 0.005 {
			phone = callCentre
		}
		emit([]any{id, g.ts(), orNil(p.userID), p.emails[0], g.maybeNull(phone, 0.01), p.id})
	}
}

// AppLocal is the SQL that makes a column of the events local to its app: app_id:value.
func AppLocal(column string) string { return "app_id || ':' || " + column }

// ProjectOptions shapes the project file written for generated data.
type ProjectOptions struct {
	Name string
	// Warehouse is duckdb (with Path, the DuckDB file) or postgres (with DSNEnv, the name of the
	// environment variable holding the connection string).
	Warehouse, Path, DSNEnv string
	// Schema holds the generated tables.
	Schema string
	// Guards adds the recommended over-merge protection for this data; without, every value is
	// taken as it is (what the comparison with a plain union-find needs).
	Guards bool
	// Traits adds the classic traits and audiences: lifetime revenue, orders and recent cart
	// abandons; loyal customers and frequent cart abandoners.
	Traits bool
	// Anonymous is the policy.anonymous of the guards; empty is link.
	Anonymous string
	// AppLocal reads the events' device and anonymous ids as local to their app, by writing each
	// as app_id:value (data generated with Households, whose apps number their ids apart).
	AppLocal bool
	// MemoryLimit and Threads, when set, bound what DuckDB may use (warehouse.memory_limit and
	// warehouse.threads).
	MemoryLimit string
	Threads     int
}

// policyNotes explains each policy.anonymous in the project file.
var policyNotes = map[string]string{
	"link":     "pre-login history joins the known profile; evidence and isolate keep shared devices apart",
	"isolate":  "anonymous identifiers touching several known profiles join none",
	"evidence": "an anonymous identifier joins the profile its own rows and their time point to, or none",
}

const demoTraits = `traits:
  - name: lifetime_revenue
    source: orders
    agg: sum
    expr: revenue
  - name: orders
    source: orders
    agg: count
  - name: last_order_at
    source: orders
    agg: max
    expr: ts
  - name: cart_abandons_90d
    source: events
    agg: count
    filter: "event_type = 'cart_abandoned'"
    window: 90d
audiences:
  - name: loyal_customers
    where: "lifetime_revenue > 300 and orders >= 3"
  - name: frequent_cart_abandoners
    where: "cart_abandons_90d >= 2"
`

// Project returns an idstitch.yaml for the generated tables.
func Project(o ProjectOptions) string {
	name, schema, guards := o.Name, o.Schema, o.Guards
	local := func(column string) string {
		if o.AppLocal {
			return fmt.Sprintf(`"%s"   # local to its app`, AppLocal(column))
		}
		return column
	}
	if schema == "" {
		schema = "main"
	}
	warehouse := "  type: duckdb\n  path: " + o.Path + "\n"
	if o.MemoryLimit != "" {
		warehouse += "  memory_limit: " + o.MemoryLimit + "\n"
	}
	if o.Threads > 0 {
		warehouse += fmt.Sprintf("  threads: %d\n", o.Threads)
	}
	if o.Warehouse == "postgres" {
		warehouse = "  type: postgres\n  dsn_env: " + o.DSNEnv + "   # the connection string comes from this environment variable\n"
	}
	types := `id_types:            # order = priority: the first is the most trusted
  - name: user_id
  - name: email
  - name: phone
  - name: device_id
  - name: anonymous_id
`
	policy := ""
	if guards {
		anonymous := o.Anonymous
		if anonymous == "" {
			anonymous = "link"
		}
		policy = fmt.Sprintf("policy:\n  anonymous: %s   # %s\n", anonymous, policyNotes[anonymous]) +
			"  block:            # values that are never identifiers, of any type (case-insensitive)\n"
		for _, v := range config.DefaultBlock {
			policy += fmt.Sprintf("    - %q\n", v)
		}
		types = `id_types:            # order = priority: the first is the most trusted
  - name: user_id
    limit: 1           # one user_id per profile: profiles holding two are split
  - name: email
    normalize: [trim, lower]
    pattern: '^[^@\s]+@[^@\s]+\.[^@\s]+$'
    block: ['test@test.com']
    max_degree: 30     # an email seen with more distinct identifiers is junk
  - name: phone
    normalize: [e164]
    country_code: "1"
    max_degree: 10     # call-centre numbers
  - name: device_id
    max_degree: 10     # shared family tablets
    anonymous: true    # a device can be shared: the anonymous policy decides whose it is
  - name: anonymous_id
    anonymous: true
`
	}
	return fmt.Sprintf(`# idstitch project written by `+"`idstitch demo`"+`. Edit it and run `+"`idstitch run`"+` again.
project: %s
warehouse:
%soutput:
  schema: identity
%s%ssources:
  - name: events
    table: %s.events
    timestamp: ts
    ids:
      anonymous_id: %s
      device_id: %s
      user_id: user_id
      email: email
  - name: orders
    table: %s.orders
    timestamp: ts
    ids:
      user_id: user_id
      email: [email, billing_email]
      phone: phone
  - name: crm_contacts
    table: %s.crm_contacts
    timestamp: updated_at
    ids:
      user_id: user_id
      email: email
      phone: phone
`+map[bool]string{true: demoTraits}[o.Traits], name, warehouse, policy, types, schema, local("anonymous_id"), local("device_id"), schema, schema)
}
