package e2e

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/idstitch/idstitch/engine/config"
	"github.com/idstitch/idstitch/engine/plan"
	"github.com/idstitch/idstitch/engine/runner"
	"github.com/idstitch/idstitch/engine/unionfind"
)

var base = time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)

var randomTypes = []string{"user_id", "email", "cookie"}

// wideColumns gives every random source two columns per id type, so that any pair of
// identifiers, and rows of up to six, fit one row.
var wideColumns = []string{"user_id_1", "user_id_2", "email_1", "email_2", "cookie_1", "cookie_2"}
var wideTypes = []string{"user_id", "user_id", "email", "email", "cookie", "cookie"}

func nodeID(k int, quirky bool) unionfind.ID {
	ty := randomTypes[k%len(randomTypes)]
	v := fmt.Sprintf("%s-%d", ty, k)
	if quirky {
		// Values that need escaping must survive the trip through SQL unchanged.
		v = fmt.Sprintf("o'brien \"%d\" ü;--", k)
	}
	return unionfind.ID{Type: ty, Value: v}
}

// drawGraph draws a graph shape over n identifiers and returns its edges.
func drawGraph(t *rapid.T, n int) [][2]int {
	var edges [][2]int
	shape := rapid.SampledFrom([]string{"forest", "chain", "star", "clique", "random", "mixed"}).Draw(t, "shape")
	switch shape {
	case "forest":
		for k := 1; k < n; k++ {
			if rapid.IntRange(0, 4).Draw(t, "root") > 0 {
				edges = append(edges, [2]int{k, rapid.IntRange(0, k-1).Draw(t, "parent")})
			}
		}
	case "chain":
		for k := 1; k < n; k++ {
			edges = append(edges, [2]int{k - 1, k})
		}
	case "star":
		for k := 1; k < n; k++ {
			edges = append(edges, [2]int{0, k})
		}
	case "clique":
		m := min(n, 25)
		for a := 0; a < m; a++ {
			for b := a + 1; b < m; b++ {
				edges = append(edges, [2]int{a, b})
			}
		}
	default:
		m := rapid.IntRange(0, 2*n).Draw(t, "edges")
		for i := 0; i < m; i++ {
			edges = append(edges, [2]int{rapid.IntRange(0, n-1).Draw(t, "a"), rapid.IntRange(0, n-1).Draw(t, "b")})
		}
		if shape == "mixed" {
			for k := 1; k < n/3; k++ {
				edges = append(edges, [2]int{k - 1, k})
			}
		}
	}
	return edges
}

// place puts identifiers into a wide row; it reports false when a type's two columns are full.
func place(values []any, id unionfind.ID) bool {
	for i, ty := range wideTypes {
		if ty == id.Type {
			if values[i] == nil || values[i] == "" {
				values[i] = id.Value
				return true
			}
			if values[i] == id.Value {
				return true
			}
		}
	}
	return false
}

func drawTables(t *rapid.T) []Table {
	n := rapid.IntRange(1, 200).Draw(t, "nodes")
	quirky := map[int]bool{}
	for i := rapid.IntRange(0, 3).Draw(t, "quirky"); i > 0; i-- {
		quirky[rapid.IntRange(0, n-1).Draw(t, "quirk")] = true
	}
	id := func(k int) unionfind.ID { return nodeID(k, quirky[k]) }
	nsrc := rapid.IntRange(1, 4).Draw(t, "sources")
	tables := make([]Table, nsrc)
	for i := range tables {
		tables[i] = Table{Name: fmt.Sprintf("src_%d", i), Columns: wideColumns, Types: wideTypes}
	}
	newRow := func() Row {
		vals := make([]any, len(wideColumns))
		for i := range vals {
			// Empty strings and NULLs are not identifiers.
			if rapid.IntRange(0, 9).Draw(t, "empty") == 0 {
				vals[i] = ""
			}
		}
		return Row{TS: base.Add(time.Duration(rapid.IntRange(0, 5).Draw(t, "day")) * 24 * time.Hour), Values: vals}
	}
	add := func(r Row) {
		src := rapid.IntRange(0, nsrc-1).Draw(t, "source")
		tables[src].Rows = append(tables[src].Rows, r)
		if rapid.IntRange(0, 9).Draw(t, "duplicate") == 0 {
			tables[src].Rows = append(tables[src].Rows, r)
		}
	}
	linked := make([]bool, n)
	for _, e := range drawGraph(t, n) {
		r := newRow()
		place(r.Values, id(e[0]))
		place(r.Values, id(e[1]))
		linked[e[0]], linked[e[1]] = true, true
		add(r)
	}
	// Some rows hold several identifiers: each is a star from the row's first identifier.
	for i := rapid.IntRange(0, n/10).Draw(t, "wide rows"); i > 0; i-- {
		r := newRow()
		for j := rapid.IntRange(2, 6).Draw(t, "width"); j > 0; j-- {
			k := rapid.IntRange(0, n-1).Draw(t, "member")
			if place(r.Values, id(k)) {
				linked[k] = true
			}
		}
		add(r)
	}
	for k := 0; k < n; k++ {
		if !linked[k] {
			r := newRow()
			place(r.Values, id(k))
			add(r)
		}
	}
	return tables
}

func testRandomGraphs(t *testing.T, open Factory) {
	conn := open(t)
	defer conn.Close()
	rapid.Check(t, func(rt *rapid.T) {
		tables := drawTables(rt)
		Load(t, conn, tables)
		p := mustParse(t, ProjectYAML(randomTypes, tables, conn.Dialect().DefaultSchema()))
		Stitch(t, conn, p, plan.Contraction)
		first := Published(t, conn, p.Output.Schema)
		CheckPartition(t, Oracle(tables), first, randomTypes, p.Output.IDSalt)
		if sum := StitchIncremental(t, conn, p); sum.Mode != plan.ModeIncremental || len(sum.Changes) != 0 {
			rt.Fatalf("a second run over the same data was %s (%s) and changed %v; want incremental and no change", sum.Mode, sum.Reason, sum.Changes)
		}
		second := Published(t, conn, p.Output.Schema)
		for id, uid := range first {
			if second[id] != uid {
				rt.Fatalf("a second run over the same data gave %v universal id %s, the first %s", id, second[id], uid)
			}
		}
	})
}

// chainTables is one source whose rows link identifier i to i+1.
func chainTables(n int) []Table {
	tb := Table{Name: "chain", Columns: []string{"a", "b"}, Types: []string{"node", "node"}}
	for i := 0; i < n-1; i++ {
		tb.Rows = append(tb.Rows, Row{TS: base.Add(time.Duration(i) * time.Second), Values: []any{"n" + strconv.Itoa(i), "n" + strconv.Itoa(i+1)}})
	}
	return []Table{tb}
}

func testLongChain(t *testing.T, open Factory) {
	conn := open(t)
	defer conn.Close()
	const n = 20000
	tables := chainTables(n)
	Load(t, conn, tables)
	p := mustParse(t, ProjectYAML([]string{"node"}, tables, conn.Dialect().DefaultSchema()))
	sum := Stitch(t, conn, p, plan.Contraction)
	CheckPartition(t, Oracle(tables), Published(t, conn, p.Output.Schema), []string{"node"}, p.Output.IDSalt)
	// Label propagation would need 19,999 rounds; contraction needs O(log n).
	if limit := 4*15 + 20; sum.Result.Rounds > limit || sum.Result.Rounds < 1 {
		t.Fatalf("a %d-node chain took %d rounds, want 1 to %d", n, sum.Result.Rounds, limit)
	}
	t.Logf("%d-node chain: %d rounds", n, sum.Result.Rounds)
}

// astroPhTables reads the co-authorship graph: one row per edge, one row per isolated vertex.
func astroPhTables(t testing.TB) []Table {
	f, err := os.Open("testdata/astro-ph.graph")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	sc.Scan() // header
	tb := Table{Name: "coauthors", Columns: []string{"a", "b"}, Types: []string{"author", "author"}}
	v := 0
	for sc.Scan() {
		v++
		fields := strings.Fields(sc.Text())
		me := "v" + strconv.Itoa(v)
		if len(fields) == 0 {
			tb.Rows = append(tb.Rows, Row{TS: base, Values: []any{me, nil}})
		}
		for _, f := range fields {
			if w, _ := strconv.Atoi(f); w > v {
				tb.Rows = append(tb.Rows, Row{TS: base, Values: []any{me, "v" + f}})
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if v != 16706 {
		t.Fatalf("read %d vertices, the file has 16,706", v)
	}
	return []Table{tb}
}

func testAstroPh(t *testing.T, open Factory) {
	conn := open(t)
	defer conn.Close()
	tables := astroPhTables(t)
	Load(t, conn, tables)
	p := mustParse(t, ProjectYAML([]string{"author"}, tables, conn.Dialect().DefaultSchema()))
	sum := Stitch(t, conn, p, plan.Contraction)
	// The published answer for this graph, from networkit's own test.
	if sum.Result.Components != 1029 {
		t.Fatalf("astro-ph: %d profiles, want 1,029", sum.Result.Components)
	}
	if n := count(t, conn, "SELECT COUNT(*) FROM identity.profiles"); n != 1029 {
		t.Fatalf("astro-ph: profiles table has %d rows, want 1,029", n)
	}
	CheckPartition(t, Oracle(tables), Published(t, conn, p.Output.Schema), []string{"author"}, p.Output.IDSalt)
}

func testFailedRunKeepsOutputs(t *testing.T, open Factory) {
	conn := open(t)
	defer conn.Close()
	tables := chainTables(50)
	tables[0].Rows = append(tables[0].Rows, Row{TS: base, Values: []any{"x1", "x2"}})
	Load(t, conn, tables)
	yaml := ProjectYAML([]string{"node"}, tables, conn.Dialect().DefaultSchema())
	good := mustParse(t, yaml)
	Stitch(t, conn, good, plan.Contraction)
	before := Published(t, conn, good.Output.Schema)
	profiles := count(t, conn, "SELECT COUNT(*) FROM identity.profiles")

	// The filter binds (so it passes validation) but fails on the first row it converts.
	bad := mustParse(t, strings.Replace(yaml, "    timestamp: ts\n", "    timestamp: ts\n    filter: \"CAST(a AS INTEGER) > 0\"\n", 1))
	pl, err := plan.New(bad, conn.Dialect(), plan.Contraction)
	if err != nil {
		t.Fatal(err)
	}
	_, err = (&runner.Runner{Conn: conn, Planner: pl}).Run(context.Background())
	var se *runner.StageError
	if !errors.As(err, &se) || se.Stage != "extract" {
		t.Fatalf("run with a failing filter: got %v, want a failure in stage extract", err)
	}
	after := Published(t, conn, good.Output.Schema)
	if len(after) != len(before) {
		t.Fatalf("id_graph changed from %d to %d identifiers after a failed run", len(before), len(after))
	}
	for id, uid := range before {
		if after[id] != uid {
			t.Fatalf("id_graph changed for %v after a failed run", id)
		}
	}
	if n := count(t, conn, "SELECT COUNT(*) FROM identity.profiles"); n != profiles {
		t.Fatalf("profiles changed from %d to %d rows after a failed run", profiles, n)
	}
	if n := count(t, conn, fmt.Sprintf("SELECT COUNT(*) FROM identity.runs WHERE run_id = %d AND status = 'failed' AND error LIKE '%%extract%%'", se.RunID)); n != 1 {
		t.Fatalf("the failed run %d is not recorded as failed with its error in runs", se.RunID)
	}
	if n := count(t, conn, "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'identity' AND table_name LIKE '%next'"); n != 0 {
		t.Fatalf("a failed run left %d half-built tables in the output schema", n)
	}
	// The next good run completes.
	Stitch(t, conn, good, plan.Contraction)
}

func testReaderDuringPublish(t *testing.T, open Factory) {
	conn := open(t)
	defer conn.Close()
	small := chainTables(40)
	small[0].Name = "small"
	big := chainTables(400)
	big[0].Name = "big"
	Load(t, conn, append(small, big...))
	schema := conn.Dialect().DefaultSchema()
	// One project whose source table changes between runs (the source keeps its name, and so
	// its stitched view).
	bigYAML := strings.Replace(ProjectYAML([]string{"node"}, big, schema), "name: big", "name: small", 1)
	projects := []*config.Project{
		mustParse(t, ProjectYAML([]string{"node"}, small, schema)),
		mustParse(t, bigYAML),
	}
	Stitch(t, conn, projects[0], plan.Contraction)

	// A complete set of outputs: id_graph rows = the identifiers counted in profiles, and
	// id_edges holds one link fewer than identifiers (each input is one chain).
	const q = "SELECT (SELECT COUNT(*) FROM identity.id_graph), (SELECT SUM(identifiers) FROM identity.profiles), (SELECT COUNT(*) FROM identity.id_edges)"
	var stop atomic.Bool
	var wg sync.WaitGroup
	var reads atomic.Int64
	errs := make(chan error, 1)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for !stop.Load() {
			rows, err := conn.Query(context.Background(), q)
			if err != nil {
				errs <- fmt.Errorf("reader: %w", err)
				return
			}
			var ids, summed, edges int64
			rows.Next()
			err = rows.Scan(&ids, &summed, &edges)
			rows.Close()
			if err != nil {
				errs <- err
				return
			}
			if ids != summed || edges != ids-1 || (ids != 40 && ids != 400) {
				errs <- fmt.Errorf("reader saw a mixed state: %d identifiers, %d in profiles, %d edges", ids, summed, edges)
				return
			}
			reads.Add(1)
		}
	}()
	for i := 1; i <= 6; i++ {
		Stitch(t, conn, projects[i%2], plan.Contraction)
	}
	stop.Store(true)
	wg.Wait()
	select {
	case err := <-errs:
		t.Fatal(err)
	default:
	}
	if reads.Load() == 0 {
		t.Fatal("the reader never read")
	}
	t.Logf("%d consistent reads during 6 publishes", reads.Load())
}

func testLabelPropagation(t *testing.T, open Factory) {
	conn := open(t)
	defer conn.Close()
	rapid.Check(t, func(rt *rapid.T) {
		tables := drawTables(rt)
		Load(t, conn, tables)
		p := mustParse(t, ProjectYAML(randomTypes, tables, conn.Dialect().DefaultSchema()))
		Stitch(t, conn, p, plan.LabelPropagation)
		CheckPartition(t, Oracle(tables), Published(t, conn, p.Output.Schema), randomTypes, p.Output.IDSalt)
	})
}

// testCompiledScript runs the output of `idstitch compile` as one script, the way a user would
// paste it into the warehouse, and checks its result against the oracle.
func testCompiledScript(t *testing.T, open Factory) {
	conn := open(t)
	defer conn.Close()
	tables := astroPhTables(t)
	tables = append(tables, chainTables(3000)...)
	Load(t, conn, tables)
	p := mustParse(t, ProjectYAML([]string{"author", "node"}, tables, conn.Dialect().DefaultSchema()))
	pl, err := plan.New(p, conn.Dialect(), plan.Contraction)
	if err != nil {
		t.Fatal(err)
	}
	script, err := pl.Plan(0)
	if err != nil {
		t.Fatal(err)
	}
	if err := conn.Exec(context.Background(), script.Script(plan.DefaultScriptRounds)); err != nil {
		t.Fatalf("the compiled script does not run: %v", err)
	}
	CheckPartition(t, Oracle(tables), Published(t, conn, p.Output.Schema), []string{"author", "node"}, p.Output.IDSalt)
}
