package warehousetest

import (
	"bufio"
	"bytes"
	_ "embed"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"pgregory.net/rapid"

	"github.com/idstitch/idstitch/engine/unionfind"
)

// base is the first day of every test's rows.
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

// chainTables is one source whose rows link identifier i to i+1.
func chainTables(n int) []Table {
	tb := Table{Name: "chain", Columns: []string{"a", "b"}, Types: []string{"node", "node"}}
	for i := 0; i < n-1; i++ {
		tb.Rows = append(tb.Rows, Row{TS: base.Add(time.Duration(i) * time.Second), Values: []any{"n" + strconv.Itoa(i), "n" + strconv.Itoa(i+1)}})
	}
	return []Table{tb}
}

// astroPh is the co-authorship graph, embedded: the suite runs from each connector's folder.
//
//go:embed testdata/astro-ph.graph
var astroPh []byte

// astroPhTables reads the co-authorship graph: one row per edge, one row per isolated vertex.
func astroPhTables(t TB) []Table {
	sc := bufio.NewScanner(bytes.NewReader(astroPh))
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

// killTables is a fixed random graph with wide rows in time order, for the tests that stop runs.
func killTables() []Table {
	r := rand.New(rand.NewPCG(7, 7))
	tb := Table{Name: "killed_rows", Columns: wideColumns, Types: wideTypes}
	for i := 0; i < 600; i++ {
		vals := make([]any, len(wideColumns))
		for j := 0; j < 2+r.IntN(3); j++ {
			c := r.IntN(len(wideColumns))
			vals[c] = fmt.Sprintf("%s-%d", wideTypes[c], r.IntN(400))
		}
		tb.Rows = append(tb.Rows, Row{TS: base.Add(time.Duration(i) * 15 * time.Minute), Values: vals})
	}
	return []Table{tb}
}

// wideRow is a row of a table with wideColumns, dated hour hours after base, holding vals by
// column position.
func wideRow(hour int, vals map[int]string) Row {
	v := make([]any, len(wideColumns))
	for i, s := range vals {
		v[i] = s
	}
	return Row{TS: base.Add(time.Duration(hour) * time.Hour), Values: v}
}
