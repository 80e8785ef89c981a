// Package e2e is the end-to-end suite that every warehouse must pass. A warehouse's test calls
// Run with a factory that opens a fresh, empty database on a real server or file; the suite loads
// data through the connector, runs the pipeline and checks the published tables against an
// in-memory union-find and against the anchor rule computed in Go.
package e2e

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/dialects"
	"github.com/idstitch/idstitch/engine/config"
	"github.com/idstitch/idstitch/engine/plan"
	"github.com/idstitch/idstitch/engine/runner"
	"github.com/idstitch/idstitch/engine/unionfind"
)

// Factory opens an empty warehouse for one test. The suite closes it.
type Factory func(t *testing.T) connectors.Conn

// Run runs every end-to-end case against the warehouse that open gives.
func Run(t *testing.T, open Factory) {
	t.Run("RandomGraphs", func(t *testing.T) { testRandomGraphs(t, open) })
	t.Run("LongChain", func(t *testing.T) { testLongChain(t, open) })
	t.Run("AstroPh", func(t *testing.T) { testAstroPh(t, open) })
	t.Run("FailedRunKeepsOutputs", func(t *testing.T) { testFailedRunKeepsOutputs(t, open) })
	t.Run("ReaderDuringPublish", func(t *testing.T) { testReaderDuringPublish(t, open) })
	t.Run("LabelPropagationAgrees", func(t *testing.T) { testLabelPropagation(t, open) })
	t.Run("CompiledScriptRuns", func(t *testing.T) { testCompiledScript(t, open) })
	t.Run("Guards", func(t *testing.T) { testGuards(t, open) })
	t.Run("GuardProperties", func(t *testing.T) { testGuardProperties(t, open) })
	t.Run("IncrementalEqualsFull", func(t *testing.T) { testIncremental(t, open) })
	t.Run("KilledRuns", func(t *testing.T) { testKilledRuns(t, open) })
	t.Run("RuleChangeMakesHubs", func(t *testing.T) { testRuleChangeMakesHubs(t, open) })
}

// Row is one source row: a timestamp and its identifier values by column.
type Row struct {
	TS     time.Time
	Values []any // string or nil, in the order of the table's id columns
}

// Table is a source table for a test: its id columns and their id types.
type Table struct {
	Name    string
	Columns []string
	Types   []string
	Rows    []Row
}

// Load creates the tables in the warehouse's default schema and fills them.
func Load(t testing.TB, conn connectors.Conn, tables []Table) {
	t.Helper()
	ctx := context.Background()
	d := conn.Dialect()
	for _, tb := range tables {
		cols := []string{d.QuoteIdent("ts") + " " + d.Type(dialects.Timestamp)}
		for _, c := range tb.Columns {
			cols = append(cols, d.QuoteIdent(c)+" "+d.Type(dialects.Text))
		}
		name := d.Table(d.DefaultSchema(), tb.Name)
		// A stitched view from an earlier run depends on the table (on Postgres, by reference):
		// it goes first; the next run makes it again. (A user's ELT would DROP … CASCADE.)
		mustExec(t, conn, d.DropView(d.Table("identity", tb.Name+"_stitched")))
		mustExec(t, conn, d.DropTable(name))
		mustExec(t, conn, fmt.Sprintf("CREATE TABLE %s (%s)", name, strings.Join(cols, ", ")))
		i := 0
		err := conn.Load(ctx, d.DefaultSchema(), tb.Name, append([]string{"ts"}, tb.Columns...), func(row []any) bool {
			if i >= len(tb.Rows) {
				return false
			}
			row[0] = tb.Rows[i].TS
			copy(row[1:], tb.Rows[i].Values)
			i++
			return true
		})
		if err != nil {
			t.Fatalf("load %s: %v", tb.Name, err)
		}
	}
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
		fmt.Fprintf(&b, "  - name: %s\n    table: %s.%s\n    timestamp: ts\n    ids:\n", tb.Name, schema, tb.Name)
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
func Stitch(t testing.TB, conn connectors.Conn, p *config.Project, algorithm plan.Algorithm) *runner.Summary {
	t.Helper()
	// Tests replace their data between runs, which an incremental run does not look for: rows
	// before the watermark are taken to be final.
	return stitch(t, conn, p, algorithm, true)
}

// StitchIncremental runs the project as a scheduled run would: incrementally when it can.
func StitchIncremental(t testing.TB, conn connectors.Conn, p *config.Project) *runner.Summary {
	t.Helper()
	return stitch(t, conn, p, plan.Contraction, false)
}

func stitch(t testing.TB, conn connectors.Conn, p *config.Project, algorithm plan.Algorithm, full bool) *runner.Summary {
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

// Graph is what a test knows of its data, independently of any SQL: each identifier with its
// first-seen time, and a union-find over the rows.
type Graph struct {
	UF        *unionfind.UF
	FirstSeen map[unionfind.ID]time.Time
}

// Oracle builds the expected partition from the rows, in Go.
func Oracle(tables []Table) Graph {
	g := Graph{UF: unionfind.New(), FirstSeen: map[unionfind.ID]time.Time{}}
	for _, tb := range tables {
		for _, r := range tb.Rows {
			first := int32(-1)
			for i, v := range r.Values {
				s, ok := v.(string)
				if !ok || s == "" {
					continue
				}
				id := unionfind.ID{Type: tb.Types[i], Value: s}
				if fs, seen := g.FirstSeen[id]; !seen || r.TS.Before(fs) {
					g.FirstSeen[id] = r.TS
				}
				n := g.UF.Add(id)
				if first < 0 {
					first = n
				} else {
					g.UF.Union(first, n)
				}
			}
		}
	}
	return g
}

// Published reads id_graph: identifier → universal id.
func Published(t testing.TB, conn connectors.Conn, schema string) map[unionfind.ID]string {
	t.Helper()
	d := conn.Dialect()
	rows, err := conn.Query(context.Background(), "SELECT id_type, id_value, universal_id FROM "+d.Table(schema, plan.IDGraph))
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

// CheckPartition asserts that the published mapping is exactly the oracle's partition, and that
// each universal id is the salted MD5 of the group's anchor (earliest first_seen, then type
// priority, then value).
func CheckPartition(t testing.TB, g Graph, got map[unionfind.ID]string, types []string, salt string) {
	t.Helper()
	groups := g.UF.Groups()
	if len(got) != len(groups) {
		t.Fatalf("id_graph has %d identifiers, the rows hold %d", len(got), len(groups))
	}
	rank := map[string]int{}
	for i, ty := range types {
		rank[ty] = i
	}
	members := map[unionfind.ID][]unionfind.ID{}
	for id, root := range groups {
		members[root] = append(members[root], id)
	}
	seen := map[string]unionfind.ID{}
	for root, ids := range members {
		uid, ok := got[ids[0]]
		if !ok {
			t.Fatalf("identifier %v is missing from id_graph", ids[0])
		}
		for _, id := range ids[1:] {
			if got[id] != uid {
				t.Fatalf("%v and %v are linked in the rows but have universal ids %s and %s", ids[0], id, uid, got[id])
			}
		}
		if other, dup := seen[uid]; dup {
			t.Fatalf("universal id %s is shared by two unlinked groups (%v and %v)", uid, other, root)
		}
		seen[uid] = root
		sort.Slice(ids, func(i, j int) bool {
			a, b := ids[i], ids[j]
			if !g.FirstSeen[a].Equal(g.FirstSeen[b]) {
				return g.FirstSeen[a].Before(g.FirstSeen[b])
			}
			if rank[a.Type] != rank[b.Type] {
				return rank[a.Type] < rank[b.Type]
			}
			return a.Value < b.Value
		})
		sum := md5.Sum([]byte(salt + "|" + ids[0].Type + "|" + ids[0].Value))
		if want := hex.EncodeToString(sum[:]); uid != want {
			t.Fatalf("group anchored at %v has universal id %s, want %s (salted MD5 of the anchor)", ids[0], uid, want)
		}
	}
}

func mustExec(t testing.TB, conn connectors.Conn, q string) {
	t.Helper()
	if err := conn.Exec(context.Background(), q); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func mustParse(t testing.TB, yaml string) *config.Project {
	t.Helper()
	p, err := config.Parse("idstitch.yaml", []byte(yaml))
	if err != nil {
		t.Fatalf("project: %v\n%s", err, yaml)
	}
	return p
}

func count(t testing.TB, conn connectors.Conn, q string) int64 {
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
