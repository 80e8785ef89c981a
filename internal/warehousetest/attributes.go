package warehousetest

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/dialects"
	"github.com/idstitch/idstitch/engine/plan"
)

// attrSource is a source of the attributes case: its identifier columns (id type by column, in
// the order the project maps them), the text columns the attributes read, and whether its
// timestamp is declared.
type attrSource struct {
	name   string
	ids    [][2]string // column, id type
	values []string
	ts     bool
}

// attrSources are the sources of the attributes case. forms declares no timestamp: its rows sort
// after every row with one.
var attrSources = []attrSource{
	{name: "crm", ids: [][2]string{{"user_id", "user_id"}, {"email", "email"}}, values: []string{"name", "country", "channel"}, ts: true},
	{name: "orders", ids: [][2]string{{"email", "email"}, {"billing_email", "email"}}, values: []string{"country", "channel"}, ts: true},
	{name: "forms", ids: [][2]string{{"email", "email"}}, values: []string{"name"}},
}

// attrRow is one row of an attributes source: its timestamp and its columns' values (nil for
// NULL), identifiers first.
type attrRow struct {
	ts   time.Time
	cols map[string]any
}

// attrSpec is an attribute of the case, as the oracle reads it.
type attrSpec struct {
	name, rule string
	// column is the source column read (its value upper-cased when upper); idType instead reads
	// the identifiers of that type.
	column, idType string
	upper          bool
	// sources, in the order they rank.
	sources    []string
	withSource bool
}

// attrSpecs mirror the attributes of attrYAML: every rule, from columns and id types, ranked by a
// priority, by the order of their sources, and by the order of the file.
var attrSpecs = []attrSpec{
	{name: "email", rule: "most_recent", idType: "email", sources: []string{"crm", "orders", "forms"}, withSource: true},
	{name: "first_email", rule: "first_seen", idType: "email", sources: []string{"orders", "crm", "forms"}},
	{name: "usual_email", rule: "most_frequent", idType: "email", sources: []string{"forms", "crm", "orders"}, withSource: true},
	{name: "country", rule: "most_frequent", column: "country", upper: true, sources: []string{"orders", "crm"}, withSource: true},
	{name: "full_name", rule: "source_priority", column: "name", sources: []string{"crm", "forms"}, withSource: true},
	{name: "forms_name", rule: "source_priority", column: "name", sources: []string{"forms", "crm"}},
	{name: "last_name", rule: "most_recent", column: "name", sources: []string{"forms", "crm"}, withSource: true},
	{name: "first_channel", rule: "first_seen", column: "channel", sources: []string{"orders", "crm"}, withSource: true},
	{name: "recent_channel", rule: "most_recent", column: "channel", sources: []string{"crm", "orders"}},
	{name: "usual_channel", rule: "most_frequent", column: "channel", sources: []string{"crm", "orders"}, withSource: true},
	{name: "user", rule: "most_frequent", idType: "user_id", sources: []string{"crm"}},
}

const attrAttributes = `attributes:
  - {name: email, id_type: email, rule: most_recent, with_source: true}
  - {name: first_email, id_type: email, rule: first_seen, priority: [orders]}
  - {name: usual_email, id_type: email, rule: most_frequent, priority: [forms, crm, orders], with_source: true}
  - {name: country, expr: upper(country), sources: [orders, crm], rule: most_frequent, with_source: true}
  - {name: full_name, expr: name, sources: [forms, crm], rule: source_priority, priority: [crm, forms], with_source: true}
  - {name: forms_name, expr: name, sources: [crm, forms], rule: source_priority, priority: [forms, crm]}
  - {name: last_name, expr: name, sources: [forms, crm], rule: most_recent, with_source: true}
  - {name: first_channel, expr: channel, sources: [crm, orders], priority: [orders], rule: first_seen, with_source: true}
  - {name: recent_channel, expr: channel, sources: [crm, orders], rule: most_recent}
  - {name: usual_channel, expr: channel, sources: [crm, orders], rule: most_frequent, with_source: true}
  - {name: user, id_type: user_id, rule: most_frequent}
`

// attrYAML is the project of the case, publishing into schema.
func attrYAML(d dialects.Dialect, schema string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "project: e2e\nwarehouse:\n  type: duckdb\n  path: unused.duckdb\noutput:\n  schema: %s\nid_types:\n  - name: user_id\n  - name: email\nsources:\n", schema)
	for _, s := range attrSources {
		fmt.Fprintf(&b, "  - name: %s\n    table: %s.attr_%s\n", s.name, d.DefaultSchema(), s.name)
		if s.ts {
			b.WriteString("    timestamp: ts\n")
		}
		b.WriteString("    ids:\n")
		byType := map[string][]string{}
		var order []string
		for _, c := range s.ids {
			if byType[c[1]] == nil {
				order = append(order, c[1])
			}
			byType[c[1]] = append(byType[c[1]], c[0])
		}
		for _, ty := range order {
			fmt.Fprintf(&b, "      %s: [%s]\n", ty, strings.Join(byType[ty], ", "))
		}
	}
	b.WriteString("incremental:\n  lookback: 1h\n")
	return b.String() + attrAttributes
}

// drawAttrRows draws n rows of a source dated from day on, from small pools of values so that
// values, timestamps and counts tie often, with NULLs, empty text and values that differ only in
// case (which a collation would sort apart from their bytes).
func drawAttrRows(rng *rand.Rand, s attrSource, n, day int) []attrRow {
	pick := func(pool ...any) any { return pool[rng.IntN(len(pool))] }
	var out []attrRow
	for range n {
		r := attrRow{ts: base.Add(time.Duration(day+rng.IntN(2)) * 24 * time.Hour), cols: map[string]any{}}
		// Enough identifiers for many small profiles, where counts tie; a second column of a
		// row is mostly empty, so that rows do not glue them all together.
		for i, c := range s.ids {
			switch {
			case c[1] == "user_id":
				r.cols[c[0]] = pick(nil, nil, fmt.Sprintf("u%d", rng.IntN(12)))
			case i > 0 && rng.IntN(4) > 0:
				r.cols[c[0]] = pick(nil, "")
			default:
				r.cols[c[0]] = pick(nil, "", fmt.Sprintf("e%d", rng.IntN(30)), fmt.Sprintf("E%d", rng.IntN(3)))
			}
		}
		for _, v := range s.values {
			switch v {
			case "country":
				r.cols[v] = pick(nil, "", "de", "DE", "fr", "us", "Us")
			case "name":
				r.cols[v] = pick(nil, "", "ann", "Ann", "bob", "Bob", "cy")
			default:
				r.cols[v] = pick(nil, "ads", "mail", "Mail", "web")
			}
		}
		out = append(out, r)
	}
	return out
}

// linguistic is, per warehouse whose text columns can have one, a collation that sorts text
// apart from its bytes ("ann" before "Bob"): the run must compare values by their bytes all the same.
var linguistic = map[string]string{"postgres": ` COLLATE "und-x-icu"`}

// loadAttrRows replaces the case's source tables with rows, dropping first the stitched views
// that the given output schemas hold on them.
func loadAttrRows(t TB, conn connectors.Conn, rows map[string][]attrRow, schemas ...string) {
	t.Helper()
	d := conn.Dialect()
	for _, s := range attrSources {
		for _, schema := range schemas {
			mustExec(t, conn, d.DropView(d.Table(schema, s.name+"_stitched")))
		}
		names := []string{"ts"}
		cols := []string{d.QuoteIdent("ts") + " " + d.Type(dialects.Timestamp)}
		for _, c := range s.ids {
			names = append(names, c[0])
		}
		names = append(names, s.values...)
		for _, c := range names[1:] {
			cols = append(cols, d.QuoteIdent(c)+" "+d.Type(dialects.Text)+linguistic[d.Name()])
		}
		name := d.Table(d.DefaultSchema(), "attr_"+s.name)
		mustExec(t, conn, d.DropTable(name))
		mustExec(t, conn, fmt.Sprintf("CREATE TABLE %s (%s)", name, strings.Join(cols, ", ")))
		i := 0
		err := conn.Load(context.Background(), d.DefaultSchema(), "attr_"+s.name, names, func(row []any) bool {
			if i >= len(rows[s.name]) {
				return false
			}
			r := rows[s.name][i]
			row[0] = r.ts
			for j, c := range names[1:] {
				row[j+1] = r.cols[c]
			}
			i++
			return true
		})
		if err != nil {
			t.Fatalf("load %s: %v", s.name, err)
		}
	}
}

// testAttributes: random rows of three sources, loaded in batches; the first run is a full one
// and every later one incremental, and after each every attribute of every profile (and its
// source) is what the rules give, computed in Go over the raw rows and the published id_graph.
func testAttributes(t *testing.T, open Factory) {
	conn := open(t)
	defer conn.Close()
	d := conn.Dialect()
	for seed := range uint64(3) {
		rng := rand.New(rand.NewPCG(seed, 17))
		schema := fmt.Sprintf("attr%d", seed)
		p := mustParse(t, attrYAML(d, schema))
		rows := map[string][]attrRow{}
		for batch := range 3 {
			for _, s := range attrSources {
				rows[s.name] = append(rows[s.name], drawAttrRows(rng, s, 10+rng.IntN(20), 4*batch)...)
			}
			loadAttrRows(t, conn, rows, schema)
			sum := StitchIncremental(t, conn, p)
			if want := map[bool]string{true: plan.ModeFull, false: plan.ModeIncremental}[batch == 0]; sum.Mode != want {
				t.Fatalf("seed %d, batch %d: the run was %s (%s), want %s", seed, batch, sum.Mode, sum.Reason, want)
			}
			want := attrOracle(rows, Published(t, conn, schema))
			got := publishedAttributes(t, conn, schema)
			if len(got) != len(want) {
				t.Fatalf("seed %d, batch %d (%s): profiles has %d rows, id_graph %d profiles", seed, batch, sum.Mode, len(got), len(want))
			}
			for uid, w := range want {
				for col, v := range w {
					if got[uid][col] != v {
						t.Fatalf("seed %d, batch %d (%s): profile %s has %s = %q, the rules give %q\nits candidates: %s", seed, batch, sum.Mode, uid, col, got[uid][col], v, attrCandidatesOf(rows, Published(t, conn, schema), uid, col))
					}
				}
			}
		}
	}
}

// attrColumns are the profile columns of attrSpecs.
func attrColumns() []string {
	var out []string
	for _, a := range attrSpecs {
		out = append(out, a.name)
		if a.withSource {
			out = append(out, a.name+"_source")
		}
	}
	return out
}

// publishedAttributes reads the attribute columns of profiles: universal id → column → value
// ("NULL" for NULL).
func publishedAttributes(t TB, conn connectors.Conn, schema string) map[string]map[string]string {
	t.Helper()
	d := conn.Dialect()
	cols := attrColumns()
	var quoted []string
	for _, c := range cols {
		quoted = append(quoted, d.QuoteIdent(c))
	}
	rows, err := conn.Query(context.Background(), "SELECT universal_id, "+strings.Join(quoted, ", ")+" FROM "+d.Table(schema, plan.Profiles))
	if err != nil {
		t.Fatalf("read profiles: %v", err)
	}
	defer rows.Close()
	out := map[string]map[string]string{}
	for rows.Next() {
		var uid string
		vals := make([]sql.NullString, len(cols))
		dest := []any{&uid}
		for i := range vals {
			dest = append(dest, &vals[i])
		}
		if err := rows.Scan(dest...); err != nil {
			t.Fatal(err)
		}
		out[uid] = map[string]string{}
		for i, c := range cols {
			out[uid][c] = "NULL"
			if vals[i].Valid {
				out[uid][c] = vals[i].String
			}
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
