package warehousetest

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/dialects"
	"github.com/idstitch/idstitch/engine/config"
	"github.com/idstitch/idstitch/engine/plan"
	"github.com/idstitch/idstitch/engine/runner"
	"github.com/idstitch/idstitch/engine/unionfind"
)

// TB is what the helpers need of a test. *testing.T and *testing.B satisfy it, and so does
// rapid's *rapid.T: a helper called inside a property must fail the property, not the test around
// it, so that rapid shrinks the failing example to a minimal one before reporting it.
type TB interface {
	Helper()
	Logf(format string, args ...any)
	Fatal(args ...any)
	Fatalf(format string, args ...any)
}

// Row is one source row: a timestamp and its identifier values by column.
type Row struct {
	TS     time.Time
	Values []any // string or nil, in the order of the table's id columns
	// Scope is the value of the table's ScopeColumn: a string or nil.
	Scope any
}

// Table is a source table for a test: its id columns and their id types.
type Table struct {
	Name    string
	Columns []string
	Types   []string
	Rows    []Row
	// ScopeColumn, when set, is a text column holding each row's scope (Row.Scope); Scope is
	// instead the fixed scope of the whole table. Either makes the project a scoped one.
	ScopeColumn, Scope string
}

// Load creates the tables in the warehouse's default schema and fills them.
func Load(t TB, conn connectors.Conn, tables []Table) {
	t.Helper()
	ctx := context.Background()
	d := conn.Dialect()
	for _, tb := range tables {
		cols := []string{d.QuoteIdent("ts") + " " + d.Type(dialects.Timestamp)}
		names := append([]string{"ts"}, tb.Columns...)
		for _, c := range tb.Columns {
			cols = append(cols, d.QuoteIdent(c)+" "+d.Type(dialects.Text))
		}
		if tb.ScopeColumn != "" {
			cols = append(cols, d.QuoteIdent(tb.ScopeColumn)+" "+d.Type(dialects.Text))
			names = append(names, tb.ScopeColumn)
		}
		name := d.Table(d.DefaultSchema(), tb.Name)
		// A stitched view from an earlier run depends on the table (on Postgres, by reference):
		// it goes first; the next run makes it again. (A user's ELT would DROP … CASCADE.)
		mustExec(t, conn, d.DropView(d.Table("identity", tb.Name+"_stitched")))
		mustExec(t, conn, d.DropTable(name))
		mustExec(t, conn, fmt.Sprintf("CREATE TABLE %s (%s)", name, strings.Join(cols, ", ")))
		i := 0
		err := conn.Load(ctx, d.DefaultSchema(), tb.Name, names, func(row []any) bool {
			if i >= len(tb.Rows) {
				return false
			}
			row[0] = tb.Rows[i].TS
			copy(row[1:], tb.Rows[i].Values)
			if tb.ScopeColumn != "" {
				row[len(row)-1] = tb.Rows[i].Scope
			}
			i++
			return true
		})
		if err != nil {
			t.Fatalf("load %s: %v", tb.Name, err)
		}
	}
}

// loadUnder loads tables after dropping the stitched views that the given output schemas hold
// on them (Postgres binds a view to its table).
func loadUnder(t TB, conn connectors.Conn, tables []Table, schemas ...string) {
	t.Helper()
	d := conn.Dialect()
	for _, tb := range tables {
		for _, s := range schemas {
			mustExec(t, conn, d.DropView(d.Table(s, tb.Name+"_stitched")))
		}
	}
	Load(t, conn, tables)
}

// ProjectYAML writes the project file for tables: id types in the given priority order, one
// source per table, and no guards.
func ProjectYAML(types []string, tables []Table, schema string) string {
	var b strings.Builder
	b.WriteString("project: e2e\nwarehouse:\n  type: duckdb\n  path: unused.duckdb\noutput:\n  schema: identity\nid_types:\n")
	for _, ty := range types {
		fmt.Fprintf(&b, "  - name: %s\n", ty)
	}
	b.WriteString("sources:\n")
	for _, tb := range tables {
		fmt.Fprintf(&b, "  - name: %s\n    table: %s.%s\n    timestamp: ts\n", tb.Name, schema, tb.Name)
		if tb.ScopeColumn != "" {
			fmt.Fprintf(&b, "    scope_column: %s\n", tb.ScopeColumn)
		}
		if tb.Scope != "" {
			fmt.Fprintf(&b, "    scope: %s\n", tb.Scope)
		}
		b.WriteString("    ids:\n")
		byType := map[string][]string{}
		var order []string
		for i, c := range tb.Columns {
			if byType[tb.Types[i]] == nil {
				order = append(order, tb.Types[i])
			}
			byType[tb.Types[i]] = append(byType[tb.Types[i]], c)
		}
		for _, ty := range order {
			fmt.Fprintf(&b, "      %s: [%s]\n", ty, strings.Join(byType[ty], ", "))
		}
	}
	return b.String()
}

// Stitch runs the project on conn and returns the run summary.
func Stitch(t TB, conn connectors.Conn, p *config.Project, algorithm plan.Algorithm) *runner.Summary {
	t.Helper()
	// Tests replace their data between runs, which an incremental run does not look for: rows
	// before the watermark are taken to be final.
	return stitch(t, conn, p, algorithm, true)
}

// StitchIncremental runs the project as a scheduled run would: incrementally when it can.
func StitchIncremental(t TB, conn connectors.Conn, p *config.Project) *runner.Summary {
	t.Helper()
	return stitch(t, conn, p, plan.Contraction, false)
}

func stitch(t TB, conn connectors.Conn, p *config.Project, algorithm plan.Algorithm, full bool) *runner.Summary {
	t.Helper()
	pl, err := plan.New(p, conn.Dialect(), algorithm)
	if err != nil {
		t.Fatal(err)
	}
	r := &runner.Runner{Conn: conn, Planner: pl, Full: full}
	if os.Getenv("IDSTITCH_TEST_TRACE") != "" {
		// Logs the statements that take long, to find what makes a warehouse slow.
		r.Trace = func(stage, sql string, took time.Duration) {
			if took > 200*time.Millisecond {
				t.Logf("%.2fs %s: %.300s", took.Seconds(), stage, sql)
			}
		}
	}
	sum, err := r.Run(context.Background())
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	return sum
}

// Published reads id_graph: identifier → universal id.
func Published(t TB, conn connectors.Conn, schema string) map[unionfind.ID]string {
	t.Helper()
	return published(t, conn, schema, false)
}

// PublishedScoped reads the id_graph of a project with scopes: each identifier's value is keyed
// as the oracle keys it, by its scope (local types) or pool, a bar, and the value.
func PublishedScoped(t TB, conn connectors.Conn, schema string) map[unionfind.ID]string {
	t.Helper()
	return published(t, conn, schema, true)
}

// valueKey is the column that keys an identifier's value in a published table.
func valueKey(d dialects.Dialect, scoped bool) string {
	if scoped {
		return d.Concat("COALESCE(scope, pool)", d.String("|"), "id_value")
	}
	return "id_value"
}

func published(t TB, conn connectors.Conn, schema string, scoped bool) map[unionfind.ID]string {
	t.Helper()
	d := conn.Dialect()
	rows, err := conn.Query(context.Background(), "SELECT id_type, "+valueKey(d, scoped)+", universal_id FROM "+d.Table(schema, plan.IDGraph))
	if err != nil {
		t.Fatalf("read id_graph: %v", err)
	}
	defer rows.Close()
	out := map[unionfind.ID]string{}
	for rows.Next() {
		var id unionfind.ID
		var uid string
		if err := rows.Scan(&id.Type, &id.Value, &uid); err != nil {
			t.Fatal(err)
		}
		if _, dup := out[id]; dup {
			t.Fatalf("id_graph lists %v twice", id)
		}
		out[id] = uid
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// quarantined lists id_quarantine as sorted "type:value reason evidence" lines.
func quarantined(t TB, conn connectors.Conn, schema string) []string {
	t.Helper()
	return quarantinedAs(t, conn, schema, false)
}

// quarantinedAs lists id_quarantine, its values keyed by scope or pool when scoped.
func quarantinedAs(t TB, conn connectors.Conn, schema string, scoped bool) []string {
	t.Helper()
	var out []string
	for id, r := range quarantinedKeyed(t, conn, schema, scoped) {
		out = append(out, fmt.Sprintf("%s:%s %s", id.Type, id.Value, r))
	}
	sort.Strings(out)
	return out
}

// quarantinedIDs reads id_quarantine: identifier → "reason evidence".
func quarantinedIDs(t TB, conn connectors.Conn, schema string) map[unionfind.ID]string {
	t.Helper()
	return quarantinedKeyed(t, conn, schema, false)
}

func quarantinedKeyed(t TB, conn connectors.Conn, schema string, scoped bool) map[unionfind.ID]string {
	t.Helper()
	d := conn.Dialect()
	rows, err := conn.Query(context.Background(), "SELECT id_type, "+valueKey(d, scoped)+", reason, evidence FROM "+d.Table(schema, plan.IDQuarantine))
	if err != nil {
		t.Fatalf("read id_quarantine: %v", err)
	}
	defer rows.Close()
	out := map[unionfind.ID]string{}
	for rows.Next() {
		var id unionfind.ID
		var reason string
		var n int64
		if err := rows.Scan(&id.Type, &id.Value, &reason, &n); err != nil {
			t.Fatal(err)
		}
		if _, dup := out[id]; dup {
			t.Fatalf("id_quarantine lists %v twice", id)
		}
		out[id] = fmt.Sprintf("%s %d", reason, n)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func mustExec(t TB, conn connectors.Conn, q string) {
	t.Helper()
	if err := conn.Exec(context.Background(), q); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func mustParse(t TB, yaml string) *config.Project {
	t.Helper()
	p, err := config.Parse("idstitch.yaml", []byte(yaml))
	if err != nil {
		t.Fatalf("project: %v\n%s", err, yaml)
	}
	return p
}

func count(t TB, conn connectors.Conn, q string) int64 {
	t.Helper()
	rows, err := conn.Query(context.Background(), q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var n int64
	if rows.Next() {
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
	}
	return n
}
